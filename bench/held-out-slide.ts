// The held-out slide of `npm run bench -- inference`: a synthetic slide of a test-range seed that
// no training, validation or evaluation run uses (3777 by default), written once to
// .cache/bench-inference/ with its GeoJSON truth, served by the bench's Vite server from there.

import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { SYNTH_VERSION } from '../src/synth/layout';
import {
  type SyntheticSidecar,
  slideFiles,
  writeSyntheticSlide,
} from '../src/synth/node/write-synthetic-slide';

const ROOT = path.resolve(import.meta.dirname, '..');
const CACHE = path.join(ROOT, '.cache/bench-inference');

export async function heldOutSlide(seed: number, sizeMm: number) {
  const name = `synth-${seed}-${sizeMm}mm-v${SYNTH_VERSION}`;
  const files = slideFiles(CACHE, name);
  if (!existsSync(files.sidecar)) {
    console.error(`[inference] writing the held-out slide ${name}`);
    await writeSyntheticSlide({ seed, sizeMm, outDir: CACHE, name });
  }
  const sidecar = JSON.parse(readFileSync(files.sidecar, 'utf8')) as SyntheticSidecar;
  return {
    name,
    seed,
    sizeMm,
    url: `/${path.relative(ROOT, files.tiff)}`,
    tissueMm2: sidecar.tissueAreaUm2 / 1e6,
    tumourMm2: sidecar.tumourAreaUm2 / 1e6,
  };
}
