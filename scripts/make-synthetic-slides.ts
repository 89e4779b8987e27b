// Writes K synthetic training/validation slides: seeds N, N+1, …, N+K−1.
// Seed ranges: training 1000–1999, validation 2000–2999, test ≥ 3000 (never used in development).
// Usage: tsx scripts/make-synthetic-slides.ts --seed 1000 --count 8 --size-mm 4 --out training/work/slides

import { existsSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { slideFiles, writeSyntheticSlide } from '../src/synth/node/write-synthetic-slide';

const { values } = parseArgs({
  options: {
    seed: { type: 'string', default: '1000' },
    count: { type: 'string', default: '1' },
    'size-mm': { type: 'string', default: '4' },
    out: { type: 'string', default: 'training/work/slides' },
    force: { type: 'boolean', default: false },
  },
});
const seed = Number(values.seed);
const count = Number(values.count);
const sizeMm = Number(values['size-mm']);
if (!Number.isInteger(seed) || !Number.isInteger(count) || count < 1 || !(sizeMm > 0)) {
  console.error('usage: --seed N --count K --size-mm S --out DIR [--force]');
  process.exit(2);
}
const controller = new AbortController();
process.on('SIGINT', () => controller.abort());
for (let s = seed; s < seed + count; s++) {
  const name = `synth-${s}`;
  if (!values.force && existsSync(slideFiles(values.out, name).sidecar)) {
    console.log(`${name}: exists, skipped`);
    continue;
  }
  const t0 = performance.now();
  await writeSyntheticSlide({ seed: s, sizeMm, outDir: values.out, name, signal: controller.signal });
  console.log(`${name}: ${((performance.now() - t0) / 1000).toFixed(1)} s`);
}
