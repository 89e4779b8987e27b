// Pooling and reductions in NHWC: MaxPool, AveragePool (pads, ceil_mode, count_include_pad),
// GlobalAveragePool, GlobalMaxPool, ReduceMean/Max/Sum.

import * as tf from '@tensorflow/tfjs';
import { type Ctx, constVal, type Val } from './convert-context';
import { b64, FLOAT_T, ints, NHWC_FORMAT } from './graphdef-attrs';
import { TO_NCHW } from './layout';
import { binary } from './ops-binary';

function pool(c: Ctx, xIn: Val, max: boolean): Val {
  const x = c.toNhwc(xIn);
  const k = c.attr('kernel_shape', [1, 1]) as number[];
  const s = c.attr('strides', [1, 1]) as number[];
  const d = c.attr('dilations', [1, 1]) as number[];
  if (d.some((v) => v !== 1)) c.fail('dilations are not supported');
  const p = c.pads2d(x.t.shape[1]!, x.t.shape[2]!, k, s, d);
  if ((c.attr('ceil_mode', 0) as number) === 1) {
    // extend the end pads so that floor division gives ceil's extra window
    for (const i of [0, 1]) {
      const n = x.t.shape[1 + i] + p[i] + p[i + 2];
      const rem = (n - k[i]) % s[i];
      if (rem !== 0 && Math.ceil((n - k[i]) / s[i]) * s[i] < n - 0 + p[i]) p[i + 2] += s[i] - rem;
    }
  }
  const includePad = (c.attr('count_include_pad', 0) as number) === 1;
  const padded = c.padNhwc(x, p, max ? -3.4e38 : 0);
  const attr = {
    ...FLOAT_T,
    ksize: ints([1, k[0], k[1], 1]),
    strides: ints([1, s[0], s[1], 1]),
    padding: { s: b64('VALID') },
    ...NHWC_FORMAT,
  };
  const trace = max
    ? tf.maxPool(padded.t as tf.Tensor4D, [k[0], k[1]], [s[0], s[1]], 'valid')
    : tf.avgPool(padded.t as tf.Tensor4D, [k[0], k[1]], [s[0], s[1]], 'valid');
  const y = c.op(max ? 'maxpool' : 'avgpool', max ? 'MaxPool' : 'AvgPool', [padded.ref!], attr, trace, true);
  if (max || includePad || p.every((v) => v === 0)) return y;
  // count_include_pad = 0: rescale each window by k·k / (its count of real pixels)
  const ones = tf.pad(tf.ones([1, x.t.shape[1]!, x.t.shape[2]!, 1]), [
    [0, 0],
    [p[0], p[2]],
    [p[1], p[3]],
    [0, 0],
  ]);
  const count = tf.avgPool(ones as tf.Tensor4D, [k[0], k[1]], [s[0], s[1]], 'valid');
  return binary(c, 'Div', y, constVal(tf.transpose(count, TO_NCHW)));
}

function reduce(c: Ctx, x: Val, opType: string, axes: number[], keep: boolean): Val {
  const op = { ReduceMean: 'Mean', ReduceMax: 'Max', ReduceSum: 'Sum' }[opType]!;
  const fn = { Mean: tf.mean, Max: tf.max, Sum: tf.sum }[op]!;
  return c.op(
    'reduce',
    op,
    [x.ref!, c.constNode(tf.tensor1d(axes, 'int32'), 'axes')],
    { ...FLOAT_T, Tidx: { type: 'DT_INT32' }, keep_dims: { b: keep } },
    fn(x.t, axes, keep),
    x.nhwc && keep,
  );
}

function globalPool(c: Ctx): void {
  const v = c.toNhwc(c.in(0)!);
  const op = c.node.opType === 'GlobalMaxPool' ? 'Max' : 'Mean';
  const t = op === 'Max' ? tf.max(v.t, [1, 2], true) : tf.mean(v.t, [1, 2], true);
  c.set(
    c.op(
      'global_pool',
      op,
      [v.ref!, c.constNode(tf.tensor1d([1, 2], 'int32'), 'axes')],
      { ...FLOAT_T, Tidx: { type: 'DT_INT32' }, keep_dims: { b: true } },
      t,
      true,
    ),
  );
}

function reduceNode(c: Ctx): undefined {
  const x = c.in(0)!;
  const axesIn = c.node.inputs[1] ? c.constInts(1, 'axes') : c.attrOpt<number[]>('axes');
  const all = axesIn ?? [...x.t.shape.keys()];
  const keep = (c.attr('keepdims', 1) as number) === 1;
  if (!keep && x.nhwc) {
    const plainAxes = all.map((a) => (a < 0 ? a + 4 : a));
    return c.set(reduce(c, c.toPlain(x), c.node.opType, plainAxes, false));
  }
  return c.set(reduce(c, x, c.node.opType, all.map((a) => c.axisOf(x, a)).sort(), keep));
}

export const poolingHandlers: Record<string, (c: Ctx) => void> = {
  MaxPool: (c) => c.set(pool(c, c.in(0)!, true)),
  AveragePool: (c) => c.set(pool(c, c.in(0)!, false)),
  GlobalAveragePool: globalPool,
  GlobalMaxPool: globalPool,
  ReduceMean: reduceNode,
  ReduceMax: reduceNode,
  ReduceSum: reduceNode,
};
