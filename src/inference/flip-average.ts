// Test-time flip averaging: a patch model run on flipped (and transposed) copies of its inputs,
// each output turned back and the probabilities averaged. The models are trained with flips and
// right-angle rotations (training/augment.py), so every copy is a fair second look, and the
// average is steadier at gland borders. MRN's target and context share a centre, so flipping both
// about it keeps them paired.
//
// The eight symmetries of the square: 1 = none, 2 = + left-right, 4 = + up-down and both,
// 8 = the same four after a transpose. Inputs and outputs are NHWC with H = W.

import * as tf from '@tensorflow/tfjs';
import type { FlipCount } from './flip-count';

interface Symmetry {
  transpose: boolean;
  /** NHWC axes reversed after the transpose */
  reverse: number[];
}

const SYMMETRIES: readonly Symmetry[] = [
  { transpose: false, reverse: [] },
  { transpose: false, reverse: [2] },
  { transpose: false, reverse: [1] },
  { transpose: false, reverse: [1, 2] },
  { transpose: true, reverse: [] },
  { transpose: true, reverse: [2] },
  { transpose: true, reverse: [1] },
  { transpose: true, reverse: [1, 2] },
];

function forward(x: tf.Tensor4D, s: Symmetry): tf.Tensor4D {
  let y = s.transpose ? tf.transpose(x, [0, 2, 1, 3]) : x;
  if (s.reverse.length > 0) y = tf.reverse(y, s.reverse);
  return y;
}

function backward(y: tf.Tensor4D, s: Symmetry): tf.Tensor4D {
  let x = s.reverse.length > 0 ? tf.reverse(y, s.reverse) : y;
  if (s.transpose) x = tf.transpose(x, [0, 2, 1, 3]);
  return x;
}

/**
 * The mean of `run` over the first `flips` symmetries, each output mapped back to the inputs'
 * orientation. `run` returns probabilities (average after the activation, not logits). Call it
 * inside tf.tidy: the intermediate tensors are not disposed here.
 */
export function flipAveraged(
  inputs: Record<string, tf.Tensor4D>,
  flips: FlipCount,
  run: (inputs: Record<string, tf.Tensor4D>) => tf.Tensor4D,
): tf.Tensor4D {
  if (flips === 1) return run(inputs);
  for (const [name, x] of Object.entries(inputs)) {
    if (x.shape[1] !== x.shape[2])
      throw new Error(`flip averaging needs square inputs: '${name}' is ${x.shape[1]}×${x.shape[2]}`);
  }
  const outs = SYMMETRIES.slice(0, flips).map((s) => {
    const turned: Record<string, tf.Tensor4D> = {};
    for (const [name, x] of Object.entries(inputs)) turned[name] = forward(x, s);
    const y = run(turned);
    if (y.shape[1] !== y.shape[2])
      throw new Error(`flip averaging needs a square output: ${y.shape[1]}×${y.shape[2]}`);
    return backward(y, s);
  });
  return tf.div(tf.addN(outs), flips) as tf.Tensor4D;
}
