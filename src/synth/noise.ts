// Stateless value noise: any pixel's value depends only on (seed, x, y), so strips and tiles
// painted separately join without seams.

import { hash1, hash3, unit } from '../util/prng';

function smooth(t: number): number {
  return t * t * (3 - 2 * t);
}

/** One-round lattice hash → [0, 1): the hot path of every texture. */
function lattice(seed: number, x: number, y: number): number {
  return hash1(Math.imul(x, 0x27d4eb2d) ^ Math.imul(y, 0x165667b1) ^ seed) / 4294967296;
}

/** Value noise in [0, 1) on the integer lattice, smoothly interpolated. */
export function valueNoise(x: number, y: number, seed: number): number {
  const xi = Math.floor(x);
  const yi = Math.floor(y);
  const tx = smooth(x - xi);
  const ty = smooth(y - yi);
  const a = lattice(seed, xi, yi);
  const b = lattice(seed, xi + 1, yi);
  const c = lattice(seed, xi, yi + 1);
  const d = lattice(seed, xi + 1, yi + 1);
  const top = a + (b - a) * tx;
  const bottom = c + (d - c) * tx;
  return top + (bottom - top) * ty;
}

/** Two-octave value noise in [0, 1). */
export function fbm2(x: number, y: number, seed: number): number {
  return (valueNoise(x, y, seed) * 2 + valueNoise(x * 2.03, y * 2.03, seed + 7919)) / 3;
}

/**
 * Worley (cellular) noise: distances to the nearest and second-nearest jittered point,
 * in cell units. Used for fat: cells are vacuoles, the F2−F1 ridge is the thin wall.
 */
export function worley(x: number, y: number, seed: number, out: Float64Array): void {
  const xi = Math.floor(x);
  const yi = Math.floor(y);
  let f1 = 1e9;
  let f2 = 1e9;
  for (let j = -1; j <= 1; j++) {
    for (let i = -1; i <= 1; i++) {
      const h = hash3(seed, xi + i, yi + j);
      const px = xi + i + 0.15 + 0.7 * unit(h);
      const py = yi + j + 0.15 + 0.7 * unit(hash3(h, 17, 31));
      const d = Math.hypot(px - x, py - y);
      if (d < f1) {
        f2 = f1;
        f1 = d;
      } else if (d < f2) {
        f2 = d;
      }
    }
  }
  out[0] = f1;
  out[1] = f2;
}
