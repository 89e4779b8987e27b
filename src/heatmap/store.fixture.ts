// Test support (not shipped): fills a store as a model would, by evaluating a level-0 function
// at the centre of each output pixel of each patch, using the documented patch geometry
// (output pixel (i, j) of the patch centred at c covers level-0 [c − size/2·d + i·d, … + d)).

import { gridPatch } from '../geometry/patch-geometry';
import { ProbabilityStore } from './probability-store';

/** The geometry most tests use: 64 px patches at 1 µm/px on a 0.5 µm/px slide, 8 px margins. */
export function testStore(modelId = 'm'): ProbabilityStore {
  return new ProbabilityStore({ modelId, targetMpp: 1, slideMpp: 0.5, targetSize: 64, margin: 8 });
}

export function fillStore(
  store: ProbabilityStore,
  cells: Iterable<[number, number]>,
  f: (x: number, y: number) => number,
): void {
  const { targetSize: size, targetMpp, slideMpp, margin } = store.info;
  const d = store.d;
  for (const [col, row] of cells) {
    const p = gridPatch(col, row, { targetSize: size, targetMpp }, slideMpp, margin);
    const out = new Float32Array(size * size);
    const x0 = p.center.x - (size / 2) * d;
    const y0 = p.center.y - (size / 2) * d;
    for (let j = 0; j < size; j++) {
      for (let i = 0; i < size; i++) out[j * size + i] = f(x0 + (i + 0.5) * d, y0 + (j + 0.5) * d);
    }
    store.putPatch(p, out, 0);
  }
}

export function* cellRange(
  col0: number,
  row0: number,
  col1: number,
  row1: number,
): Generator<[number, number]> {
  for (let row = row0; row < row1; row++) for (let col = col0; col < col1; col++) yield [col, row];
}
