// Constants and the shape chains exporters emit (Shape → Gather → Concat → Reshape, Cast, Range,
// Expand, Where, ConstantOfShape...): with fixed input shapes they depend on nothing but
// constants, so they are evaluated at conversion and become constants themselves.

import * as tf from '@tensorflow/tfjs';
import { type Ctx, constVal } from './convert-context';
import { OnnxError, type OnnxNode, type OnnxTensor } from './onnx-model';
import { UNARY } from './ops-activations';
import { BINARY, foldBinary } from './ops-binary';
import { foldShape, sliceValue } from './ops-shape';

export function tensorOf(t: OnnxTensor): tf.Tensor {
  return tf.tensor(t.data, t.dims, t.dtype);
}

function constantValue(c: Ctx): tf.Tensor | null {
  const t = c.attrOpt<OnnxTensor>('value');
  if (t) return tensorOf(t);
  const f = c.attrOpt<number>('value_float');
  if (f !== undefined) return tf.scalar(f);
  const fs = c.attrOpt<number[]>('value_floats');
  if (fs !== undefined) return tf.tensor1d(fs);
  const i = c.attrOpt<number>('value_int');
  if (i !== undefined) return tf.scalar(i, 'int32');
  const is = c.attrOpt<number[]>('value_ints');
  if (is !== undefined) return tf.tensor1d(is, 'int32');
  return null;
}

/** Ops handled the same whether their inputs are constant or not. */
export const alwaysHandlers: Record<string, (c: Ctx) => void> = {
  Constant(c) {
    const value = constantValue(c);
    if (!value) return c.fail('no supported value');
    c.set(constVal(value));
  },
  Identity: (c) => c.set(c.in(0)!),
  Dropout: (c) => c.set(c.in(0)!),
  Cast(c) {
    const x = c.in(0)!;
    const to = c.attr('to', 1) as number;
    if (x.dyn) return c.set(x); // float activations stay float
    c.set({ ...x, t: to === 1 || to === 11 || to === 10 ? x.t.toFloat() : x.t.toInt() });
  },
  /** Cast to the type of input 1 (the dynamo exporter's unoptimised graphs are full of it) */
  CastLike(c) {
    const [x, like] = [c.in(0)!, c.in(1)!];
    const toInt = like.t.dtype === 'int32';
    if (x.dyn) return toInt ? c.fail('cannot cast an image value to an integer type') : c.set(x);
    c.set({ ...x, t: toInt ? x.t.toInt() : x.t.toFloat() });
  },
  Shape(c) {
    let s = c.shapeOf(c.in(0)!);
    s = s.slice(c.attr('start', 0) as number, c.attr('end', s.length) as number);
    c.set(constVal(tf.tensor1d(s, 'int32')));
  },
  ConstantOfShape(c) {
    const shape = c.constInts(0, 'shape')!;
    const v = c.attrOpt<OnnxTensor>('value');
    c.set(constVal(tf.fill(shape, v ? v.data[0] : 0, v?.dtype ?? 'float32')));
  },
  Range(c) {
    const [s, l, d] = [0, 1, 2].map((k) => c.constIn(k, 'range bound')!.dataSync()[0]);
    c.set(constVal(tf.range(s, l, d, c.in(0)!.t.dtype === 'int32' ? 'int32' : 'float32')));
  },
};

/** Ops that only fold: on image values they have no fixed-shape meaning here. */
export const foldOnlyHandlers: Record<string, (c: Ctx) => void> = Object.fromEntries(
  ['Where', 'Equal'].map((op) => [
    op,
    (c: Ctx) =>
      c.fail('depends on the image values, not only on shapes: it cannot be folded for a fixed-shape graph'),
  ]),
);

/** Evaluates a node whose inputs are all constants: the value becomes a constant. */
export function foldConst(c: Ctx, n: OnnxNode): undefined {
  const ins = n.inputs.map((name) => (name ? c.toPlain(c.get(name)).t : undefined));
  const x = ins[0]!;
  const f = (t: tf.Tensor) => c.set(constVal(t));
  const same = (a: tf.Tensor, b: tf.Tensor): [tf.Tensor, tf.Tensor] =>
    a.dtype === b.dtype ? [a, b] : [a.toFloat(), b.toFloat()];
  if (BINARY[n.opType]) return f(foldBinary(n.opType, x, ins[1]!));
  if (UNARY[n.opType]) return f(UNARY[n.opType](x.toFloat()));
  switch (n.opType) {
    case 'Equal':
      return f(tf.equal(...same(x, ins[1]!)).toInt());
    case 'Where':
      return f(tf.where(x.toBool(), ...same(ins[1]!, ins[2]!)));
    case 'Gather': {
      const axis = c.attr('axis', 0) as number;
      const ax = axis < 0 ? axis + x.rank : axis;
      const idx = ins[1]!.toInt();
      const fixed = tf.where(tf.less(idx, 0), tf.add(idx, tf.scalar(x.shape[ax], 'int32')), idx);
      return f(tf.gather(x, fixed, ax));
    }
    case 'Concat': {
      const axis = c.attr('axis', 0) as number;
      const ts = ins.filter((t): t is tf.Tensor => !!t);
      const dtype = ts.every((t) => t.dtype === 'int32') ? 'int32' : 'float32';
      return f(
        tf.concat(
          ts.map((t) => t.cast(dtype)),
          axis < 0 ? axis + ts[0].rank : axis,
        ),
      );
    }
    case 'Reshape':
    case 'Flatten':
    case 'Squeeze':
    case 'Unsqueeze':
    case 'Expand':
      return f(foldShape(c, n, x));
    case 'Transpose':
      return f(tf.transpose(x, c.attrOpt<number[]>('perm')));
    case 'Slice':
      return f(sliceValue(c, x));
  }
  if (n.inputs.length === 0) throw new OnnxError(`${n.opType} node "${n.name}" has no inputs to fold`);
  // anything else on constants: run it through the graph path on a Const node
  c.vals.set(n.inputs[0], c.constAsDyn(constVal(x.toFloat())));
  c.dispatch(c, n);
  return undefined;
}
