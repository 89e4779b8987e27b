// npm run demo: writes public/demo/demo.tiff (+ .mask.png, .geojson, .json), a synthetic
// lymph-node-like slide whose tumours need context to be told from benign follicles.
// Skipped when the files are already there from the same generator version and settings.

import { existsSync, readFileSync } from 'node:fs';
import { SYNTH_VERSION } from '../src/synth/layout';
import { slideFiles, writeSyntheticSlide } from '../src/synth/node/write-synthetic-slide';

const OUT = 'public/demo';
const NAME = 'demo';
/** a test-range seed: the demo is never trained on */
export const DEMO_SEED = 3001;
export const DEMO_SIZE_MM = 4;

const files = slideFiles(OUT, NAME);
if (!process.argv.includes('--force') && existsSync(files.tiff) && existsSync(files.sidecar)) {
  try {
    const s = JSON.parse(readFileSync(files.sidecar, 'utf8'));
    if (s.version === SYNTH_VERSION && s.seed === DEMO_SEED && s.sizeMm === DEMO_SIZE_MM) {
      console.log(`${files.tiff} is up to date`);
      process.exit(0);
    }
  } catch {
    // unreadable sidecar: regenerate
  }
}
const t0 = performance.now();
await writeSyntheticSlide({ seed: DEMO_SEED, sizeMm: DEMO_SIZE_MM, outDir: OUT, name: NAME });
console.log(`wrote ${files.tiff} in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
