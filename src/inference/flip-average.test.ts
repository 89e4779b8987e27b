import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { flipAveraged } from './flip-average';
import { FLIP_COUNTS } from './flip-count';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/** 1 × n × n × 1 with distinct values, so every symmetry moves them */
function ramp(n: number, scale = 1): tf.Tensor4D {
  return tf.tensor4d(
    Array.from({ length: n * n }, (_, i) => (i + 1) * scale),
    [1, n, n, 1],
  );
}

function grid(t: tf.Tensor): number[][] {
  const n = t.shape[1] as number;
  const d = Array.from(t.dataSync());
  return Array.from({ length: n }, (_, y) => d.slice(y * n, y * n + n));
}

describe('flipAveraged', () => {
  it('leaves a model that treats every pixel alike as it is, at every count', () => {
    const x = ramp(4);
    for (const flips of FLIP_COUNTS) {
      const y = tf.tidy(() => flipAveraged({ x }, flips, (f) => tf.sigmoid(f.x)));
      expect(Array.from(y.dataSync())).toEqual(
        Array.from(tf.sigmoid(x).dataSync()).map((v) => expect.closeTo(v, 6)),
      );
    }
  });

  it('averages a position-dependent model over the symmetries, each output turned back', () => {
    // the "model" weighs pixels by a fixed mask w (1 in the top-left corner, 0 elsewhere):
    // flipped copies see the corner elsewhere, so the average is x · mean of the mask's images
    const w = tf.tensor4d([1, 0, 0, 0, 0, 0, 0, 0, 0], [1, 3, 3, 1]);
    const x = ramp(3);
    const run = (f: Record<string, tf.Tensor4D>) => tf.mul(f.x, w) as tf.Tensor4D;
    const two = tf.tidy(() => flipAveraged({ x }, 2, run));
    // none: corner (0,0); left-right: corner (0,2)
    expect(grid(two)).toEqual([
      [0.5, 0, 1.5],
      [0, 0, 0],
      [0, 0, 0],
    ]);
    const four = tf.tidy(() => flipAveraged({ x }, 4, run));
    expect(grid(four)).toEqual([
      [0.25, 0, 0.75],
      [0, 0, 0],
      [1.75, 0, 2.25],
    ]);
    // the transposed four reach the same corners again, each value where it came from (a transpose
    // undone in the wrong order would move it), so 8 equals 4 here
    const eight = tf.tidy(() => flipAveraged({ x }, 8, run));
    expect(grid(eight)).toEqual(grid(four));
  });

  it('flips target and context together about their shared centre', () => {
    // an MRN-like pairing: the output is the context's centre (half its width, the target's field)
    // plus the target; exact at every count only when both inputs are turned alike
    const target = ramp(2, 100);
    const context = ramp(4);
    const run = (f: Record<string, tf.Tensor4D>) =>
      tf.add(f.target, tf.slice(f.context, [0, 1, 1, 0], [1, 2, 2, 1])) as tf.Tensor4D;
    const direct = grid(run({ target, context }));
    for (const flips of FLIP_COUNTS) {
      expect(grid(tf.tidy(() => flipAveraged({ target, context }, flips, run)))).toEqual(direct);
    }
    // turning only the target breaks the pairing, which the test above would see
    const unpaired = tf.tidy(() =>
      flipAveraged(
        { target },
        2,
        (f) => tf.add(f.target, tf.slice(context, [0, 1, 1, 0], [1, 2, 2, 1])) as tf.Tensor4D,
      ),
    );
    expect(grid(unpaired)).not.toEqual(direct);
  });

  it('refuses inputs that are not square', () => {
    const x = tf.zeros([1, 2, 3, 1]) as tf.Tensor4D;
    expect(() => flipAveraged({ x }, 2, (f) => f.x)).toThrow(/square inputs: 'x' is 2×3/);
  });
});
