// Elementwise binary ops with ONNX (numpy) broadcasting: Add, Sub, Mul, Div, Pow, Max, Min.
// One table serves the graph ops and the constant folding of shape chains. A 4-D operand stored
// NHWC keeps the result NHWC; constants are right-aligned and transposed to match.

import * as tf from '@tensorflow/tfjs';
import { type Ctx, constVal, type Val } from './convert-context';
import { FLOAT_T } from './graphdef-attrs';
import { broadcastShape, TO_NCHW, TO_NHWC } from './layout';

type BinaryFn = (x: tf.Tensor, y: tf.Tensor) => tf.Tensor;

/** ONNX op → TF op and its eager twin */
export const BINARY: Record<string, { tf: string; fn: BinaryFn }> = {
  Add: { tf: 'AddV2', fn: tf.add },
  Sub: { tf: 'Sub', fn: tf.sub },
  Mul: { tf: 'Mul', fn: tf.mul },
  Div: { tf: 'RealDiv', fn: tf.div },
  Pow: { tf: 'Pow', fn: tf.pow },
  Max: { tf: 'Maximum', fn: tf.maximum },
  Min: { tf: 'Minimum', fn: tf.minimum },
};

/** Emits `a <op> b` (op is an ONNX name from BINARY) for values in any layout. */
export function binary(c: Ctx, onnxOp: keyof typeof BINARY, a: Val, b: Val): Val {
  const { tf: op, fn } = BINARY[onnxOp];
  const rank = Math.max(a.t.rank, b.t.rank);
  const nhwc =
    rank === 4 &&
    ((a.dyn && a.nhwc) ||
      (b.dyn && b.nhwc) ||
      (a.dyn && a.t.rank === 4 && !b.dyn) ||
      (b.dyn && b.t.rank === 4 && !a.dyn));
  const trace = (v: Val) => {
    let t = v.nhwc ? tf.transpose(v.t, TO_NCHW) : v.t;
    t = t.reshape(broadcastShape(t.shape, rank));
    return (nhwc ? tf.transpose(t, TO_NHWC) : t).toFloat();
  };
  const refOf = (v: Val) =>
    v.dyn ? c.refAs(v, nhwc, rank) : c.refAs({ ...v, t: v.t.toFloat() }, nhwc, v.t.rank === 0 ? 0 : rank);
  return c.op(op.toLowerCase(), op, [refOf(a), refOf(b)], FLOAT_T, fn(trace(a), trace(b)), nhwc);
}

/** `x <op> scalar` */
export const withScalar = (c: Ctx, onnxOp: keyof typeof BINARY, x: Val, s: number): Val =>
  binary(c, onnxOp, x, constVal(tf.scalar(s)));

/** The value of a binary op on two constants (integer Div floors, as shape arithmetic expects). */
export function foldBinary(onnxOp: string, x: tf.Tensor, y: tf.Tensor): tf.Tensor {
  const [a, b] = x.dtype === y.dtype ? [x, y] : [x.toFloat(), y.toFloat()];
  if (onnxOp === 'Div' && a.dtype === 'int32') return tf.floorDiv(a, b);
  return BINARY[onnxOp].fn(a, b);
}

export const binaryHandlers: Record<string, (c: Ctx) => void> = Object.fromEntries(
  Object.keys(BINARY).map((op) => [op, (c: Ctx) => c.set(binary(c, op, c.in(0)!, c.in(1)!))]),
);
