// Activations: Relu, LeakyRelu, Sigmoid, Tanh, Softmax, Clip/Relu6, HardSigmoid/HardSwish,
// Gelu/Erf, and the unary math exporters emit around them (Abs, Exp, Neg, Sqrt).

import * as tf from '@tensorflow/tfjs';
import type { Ctx, Val } from './convert-context';
import { FLOAT_T } from './graphdef-attrs';
import { binary, withScalar } from './ops-binary';

/** ONNX unary op → its eager twin; the TF op has the same name */
export const UNARY: Record<string, (t: tf.Tensor) => tf.Tensor> = {
  Relu: tf.relu,
  Sigmoid: tf.sigmoid,
  Tanh: tf.tanh,
  Erf: tf.erf,
  Abs: tf.abs,
  Exp: tf.exp,
  Neg: tf.neg,
  Sqrt: tf.sqrt,
};

export function clip(c: Ctx, x: Val, lo: number, hi: number): Val {
  return c.op(
    'clip',
    'ClipByValue',
    [x.ref!, c.constNode(tf.scalar(lo), 'lo'), c.constNode(tf.scalar(hi), 'hi')],
    FLOAT_T,
    tf.clipByValue(x.t, lo, hi),
    x.nhwc,
  );
}

const unary = (c: Ctx, op: string, x: Val) =>
  c.op(op.toLowerCase(), op, [x.ref!], FLOAT_T, UNARY[op](x.t), x.nhwc);

function hardSigmoid(c: Ctx, x: Val, alpha: number, beta: number): Val {
  return clip(c, withScalar(c, 'Add', withScalar(c, 'Mul', x, alpha), beta), 0, 1);
}

export const activationHandlers: Record<string, (c: Ctx) => void> = {
  ...Object.fromEntries(Object.keys(UNARY).map((op) => [op, (c: Ctx) => c.set(unary(c, op, c.in(0)!))])),
  LeakyRelu(c) {
    const x = c.in(0)!;
    const alpha = c.attr('alpha', 0.01) as number;
    c.set(
      c.op(
        'leaky_relu',
        'LeakyRelu',
        [x.ref!],
        { ...FLOAT_T, alpha: { f: alpha } },
        tf.leakyRelu(x.t, alpha),
        x.nhwc,
      ),
    );
  },
  Clip(c) {
    const x = c.in(0)!;
    const n = c.node;
    const lo = n.inputs[1] ? c.constIn(1, 'min')!.dataSync()[0] : (c.attr('min', -3.4e38) as number);
    const hi = n.inputs[2] ? c.constIn(2, 'max')!.dataSync()[0] : (c.attr('max', 3.4e38) as number);
    if (lo === 0 && hi === 6) return c.set(c.op('relu6', 'Relu6', [x.ref!], FLOAT_T, tf.relu6(x.t), x.nhwc));
    c.set(clip(c, x, lo, hi));
  },
  HardSigmoid(c) {
    c.set(hardSigmoid(c, c.in(0)!, c.attr('alpha', 0.2) as number, c.attr('beta', 0.5) as number));
  },
  HardSwish(c) {
    const x = c.in(0)!;
    c.set(binary(c, 'Mul', x, hardSigmoid(c, x, 1 / 6, 0.5)));
  },
  Gelu(c) {
    // 0.5·x·(1 + erf(x/√2)) (approximate='none')
    const x = c.in(0)!;
    if ((c.attr('approximate', 'none') as string) !== 'none') c.fail('only approximate="none" is supported');
    const s = withScalar(c, 'Mul', x, Math.SQRT1_2);
    const one = withScalar(c, 'Add', unary(c, 'Erf', s), 1);
    c.set(binary(c, 'Mul', withScalar(c, 'Mul', x, 0.5), one));
  },
  Softmax(c) {
    const x = c.in(0)!;
    const axis = c.axisOf(x, c.attr('axis', c.model.opset >= 13 ? -1 : 1) as number);
    if (axis !== x.t.rank - 1) c.fail('only over the channel axis of 4-D tensors or the last axis');
    c.set(c.op('softmax', 'Softmax', [x.ref!], FLOAT_T, tf.softmax(x.t), x.nhwc));
  },
};
