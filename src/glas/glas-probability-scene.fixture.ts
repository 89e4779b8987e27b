// A synthetic gland scene for the instance-sweep tests and bench: ground-truth glands (discs, some
// touching), and a gland probability map made from them with blur-like ramps, merged necks,
// missed glands and noise specks, so every sweep setting (threshold, seed radius, min area) gives a
// different segmentation. No GlaS pixels.

import { Prng } from '../util/prng';
import { type LabelImage, labelImage } from './label-image';

export interface ProbabilityScene {
  width: number;
  height: number;
  truth: LabelImage;
  probability: Float32Array;
}

export function probabilityScene(
  seed: number,
  width: number,
  height: number,
  glands: number,
): ProbabilityScene {
  const rng = new Prng(seed);
  const truth = labelImage(width, height);
  const probability = new Float32Array(width * height);
  for (let i = 0; i < probability.length; i++) probability[i] = 0.3 * rng.next();
  const rmax = Math.max(4, Math.round(Math.min(width, height) / 8));
  for (let k = 1; k <= glands; k++) {
    const cx = rng.int(0, width);
    const cy = rng.int(0, height);
    const r = rng.int(3, rmax);
    const missed = rng.next() < 0.1;
    const peak = missed ? 0.45 : 0.55 + 0.45 * rng.next();
    const halo = r + rng.int(0, 6); // the predicted gland spills past the true one
    for (let y = Math.max(0, cy - halo); y <= Math.min(height - 1, cy + halo); y++) {
      for (let x = Math.max(0, cx - halo); x <= Math.min(width - 1, cx + halo); x++) {
        const d = Math.hypot(x - cx, y - cy);
        const i = y * width + x;
        if (d <= r) truth.data[i] = k;
        if (d <= halo) probability[i] = Math.max(probability[i], peak * (1 - 0.5 * (d / halo) ** 2));
      }
    }
  }
  // specks: false positives of every size around the min-area grid
  const specks = Math.round((width * height) / 8000);
  for (let k = 0; k < specks; k++) {
    const cx = rng.int(0, width);
    const cy = rng.int(0, height);
    const r = rng.int(1, 10);
    const p = 0.4 + 0.5 * rng.next();
    for (let y = Math.max(0, cy - r); y <= Math.min(height - 1, cy + r); y++)
      for (let x = Math.max(0, cx - r); x <= Math.min(width - 1, cx + r); x++)
        if ((x - cx) ** 2 + (y - cy) ** 2 <= r * r)
          probability[y * width + x] = Math.max(probability[y * width + x], p);
  }
  return { width, height, truth, probability };
}
