// Shape and layout ops: Concat, Split, Slice, Gather (constant indices), Pad, Reshape, Flatten,
// Squeeze, Unsqueeze, Expand, Transpose. Concat, Split, Slice, Gather and Pad work on NHWC storage directly (axes are mapped); the
// layout-bound ones (Reshape & co., Transpose) move their input back to ONNX order first.

import * as tf from '@tensorflow/tfjs';
import type { Ctx, Val } from './convert-context';
import { b64, FLOAT_T } from './graphdef-attrs';
import { nhwcAxis, TO_NCHW, TO_NHWC } from './layout';
import type { OnnxNode } from './onnx-model';

export function sliceParams(
  c: Ctx,
  shape: number[],
): { begin: number[]; end: number[]; steps: number[]; endMask: number } {
  const opset10 = c.node.inputs.length > 1;
  const starts = opset10 ? c.constInts(1, 'starts')! : (c.attr('starts', []) as number[]);
  const ends = opset10 ? c.constInts(2, 'ends')! : (c.attr('ends', []) as number[]);
  const axes =
    (opset10 && c.node.inputs[3] ? c.constInts(3, 'axes') : c.attrOpt<number[]>('axes')) ??
    starts.map((_, i) => i);
  const stepsIn = opset10 && c.node.inputs[4] ? c.constInts(4, 'steps')! : starts.map(() => 1);
  const begin = shape.map(() => 0);
  const end = [...shape];
  const steps = shape.map(() => 1);
  let endMask = 0;
  axes.forEach((a0, i) => {
    const a = a0 < 0 ? a0 + shape.length : a0;
    const n = shape[a];
    const st = stepsIn[i];
    const clampIdx = (v: number, lo: number, hi: number) => Math.max(lo, Math.min(hi, v < 0 ? v + n : v));
    begin[a] = st > 0 ? clampIdx(starts[i], 0, n) : clampIdx(starts[i], -1, n - 1);
    end[a] = st > 0 ? clampIdx(ends[i], 0, n) : ends[i] < -n ? -1 : clampIdx(ends[i], -1, n - 1);
    steps[a] = st;
    // a reversed slice running past index 0: TF reads end −1 as "the last element", so mask it
    if (st < 0 && end[a] < 0) endMask |= 1 << a;
  });
  return { begin, end, steps, endMask };
}

/** Slice on a constant (shape chains). */
export function sliceValue(c: Ctx, x: tf.Tensor): tf.Tensor {
  const { begin, end, steps, endMask } = sliceParams(c, x.shape);
  return tf.stridedSlice(x, begin, end, steps, 0, endMask);
}

function slice(c: Ctx, x: Val): Val {
  const logical = c.shapeOf(x);
  const { begin, end, steps, endMask } = sliceParams(c, logical);
  const perm = x.nhwc ? TO_NHWC : [...logical.keys()];
  if (endMask !== 0) c.fail('reversed slices of activations are not supported');
  const b = perm.map((i) => begin[i]);
  const e = perm.map((i) => end[i]);
  const st = perm.map((i) => steps[i]);
  if (st.some((v) => v !== 1)) {
    return c.op(
      'strided_slice',
      'StridedSlice',
      [
        x.ref!,
        c.constNode(tf.tensor1d(b, 'int32'), 'begin'),
        c.constNode(tf.tensor1d(e, 'int32'), 'end'),
        c.constNode(tf.tensor1d(st, 'int32'), 'strides'),
      ],
      {
        ...FLOAT_T,
        Index: { type: 'DT_INT32' },
        begin_mask: { i: '0' },
        end_mask: { i: '0' },
        ellipsis_mask: { i: '0' },
        new_axis_mask: { i: '0' },
        shrink_axis_mask: { i: '0' },
      },
      tf.stridedSlice(x.t, b, e, st),
      x.nhwc,
    );
  }
  return c.sliceStored(
    x,
    b,
    b.map((v, i) => Math.max(0, e[i] - v)),
  );
}

function pad(c: Ctx, x: Val): Val {
  const rank = x.t.rank;
  const padsIn = c.node.inputs[1] ? c.constInts(1, 'pads')! : (c.attr('pads', []) as number[]);
  const value = c.node.inputs[2] ? c.constIn(2, 'value')!.dataSync()[0] : (c.attr('value', 0) as number);
  const axes = c.node.inputs[3] ? c.constInts(3, 'axes')! : [...new Array(rank).keys()];
  const logical: [number, number][] = new Array(rank).fill(0).map(() => [0, 0]);
  axes.forEach((a0, i) => {
    const a = a0 < 0 ? a0 + rank : a0;
    logical[a] = [padsIn[i], padsIn[i + axes.length]];
  });
  if (logical.some(([b, e]) => b < 0 || e < 0)) c.fail('negative pads are not supported');
  const paddings = x.nhwc ? TO_NHWC.map((i) => logical[i]) : logical;
  const mode = c.attr('mode', 'constant') as string;
  const pref = c.constNode(tf.tensor2d(paddings, [rank, 2], 'int32'), 'paddings');
  if (mode === 'constant')
    return c.op(
      'pad',
      'PadV2',
      [x.ref!, pref, c.constNode(tf.scalar(value), 'value')],
      { ...FLOAT_T, Tpaddings: { type: 'DT_INT32' } },
      tf.pad(x.t, paddings, value),
      x.nhwc,
    );
  if (mode === 'reflect')
    return c.op(
      'pad',
      'MirrorPad',
      [x.ref!, pref],
      { ...FLOAT_T, Tpaddings: { type: 'DT_INT32' }, mode: { s: b64('REFLECT') } },
      tf.mirrorPad(x.t, paddings, 'reflect'),
      x.nhwc,
    );
  c.fail(`mode "${mode}" is not supported (constant, reflect)`);
}

/** Reshape/Flatten/Squeeze/Unsqueeze/Expand on a plain (ONNX-layout) value. */
export function foldShape(c: Ctx, n: OnnxNode, x: tf.Tensor): tf.Tensor {
  switch (n.opType) {
    case 'Reshape': {
      const shape = c.constInts(1, 'shape')!;
      const allowZero = (c.attr('allowzero', 0) as number) === 1;
      return x.reshape(shape.map((d, i) => (d === 0 && !allowZero ? x.shape[i] : d)));
    }
    case 'Flatten': {
      const a = c.attr('axis', 1) as number;
      const axis = a < 0 ? a + x.rank : a;
      const lead = x.shape.slice(0, axis).reduce((p, d) => p * d, 1);
      return x.reshape([lead, -1]);
    }
    case 'Squeeze': {
      const axes = (n.inputs[1] ? c.constInts(1, 'axes') : c.attrOpt<number[]>('axes'))?.map((a) =>
        a < 0 ? a + x.rank : a,
      );
      return x.reshape(x.shape.filter((d, i) => (axes ? !axes.includes(i) : d !== 1)));
    }
    case 'Unsqueeze': {
      const axesRaw = n.inputs[1] ? c.constInts(1, 'axes')! : (c.attr('axes', []) as number[]);
      const rank = x.rank + axesRaw.length;
      const axes = axesRaw.map((a) => (a < 0 ? a + rank : a)).sort((a, b) => a - b);
      const shape = [...x.shape];
      for (const a of axes) shape.splice(a, 0, 1);
      return x.reshape(shape);
    }
    case 'Expand': {
      const shape = c.constInts(1, 'shape')!;
      const rank = Math.max(shape.length, x.rank);
      const xs = [...new Array(rank - x.rank).fill(1), ...x.shape];
      const ss = [...new Array(rank - shape.length).fill(1), ...shape];
      const out = xs.map((d, i) => (d === 1 ? ss[i] : d));
      return tf.broadcastTo(x.reshape(xs), out);
    }
  }
  return c.fail(`cannot fold ${n.opType}`);
}

function reshapeLike(c: Ctx): undefined {
  const n = c.node;
  const plain = c.toPlain(c.in(0)!);
  const out = foldShape(c, n, plain.t);
  if (n.opType === 'Expand' && out.size !== plain.t.size) {
    return c.set(
      c.op(
        'expand',
        'BroadcastTo',
        [plain.ref!, c.constNode(tf.tensor1d(out.shape, 'int32'), 'shape')],
        { ...FLOAT_T, Tidx: { type: 'DT_INT32' } },
        out,
        false,
      ),
    );
  }
  return c.set(c.reshapeDyn(plain, out.shape));
}

function concat(c: Ctx): void {
  const vals = c.node.inputs.map((name) => c.get(name));
  const nhwc = vals.some((v) => v.dyn && v.nhwc) && vals[0].t.rank === 4;
  const rank = vals[0].t.rank;
  const a = c.attr('axis', 0) as number;
  const axisOnnx = a < 0 ? a + rank : a;
  const axis = nhwc ? nhwcAxis(axisOnnx) : axisOnnx;
  const refs = vals.map((v) => c.refAs(v, nhwc, rank));
  const traces = vals.map((v) =>
    nhwc ? (v.nhwc ? v.t : tf.transpose(v.t, TO_NHWC)) : v.nhwc ? tf.transpose(v.t, TO_NCHW) : v.t,
  );
  c.set(
    c.op(
      'concat',
      'ConcatV2',
      [...refs, c.constNode(tf.scalar(axis, 'int32'), 'axis')],
      { ...FLOAT_T, N: { i: String(refs.length) }, Tidx: { type: 'DT_INT32' } },
      tf.concat(
        traces.map((t) => t.toFloat()),
        axis,
      ),
      nhwc,
    ),
  );
}

function split(c: Ctx): void {
  const n = c.node;
  const x = c.in(0)!;
  const axis = c.axisOf(x, c.attr('axis', 0) as number);
  const dim = x.t.shape[axis];
  let sizes = n.inputs[1] ? c.constInts(1, 'split') : c.attrOpt<number[]>('split');
  if (!sizes) {
    const parts = (c.attr('num_outputs', n.outputs.length) as number) || n.outputs.length;
    const each = Math.ceil(dim / parts);
    sizes = Array.from({ length: parts }, (_, k) => Math.min(each, dim - k * each));
  }
  const name = c.unique(`${n.name}/split`);
  c.emit(
    name,
    'SplitV',
    [
      x.ref!,
      c.constNode(tf.tensor1d(sizes, 'int32'), 'sizes'),
      c.constNode(tf.scalar(axis, 'int32'), 'axis'),
    ],
    { ...FLOAT_T, Tlen: { type: 'DT_INT32' }, num_split: { i: String(sizes.length) } },
  );
  const traces = tf.split(x.t, sizes, axis);
  for (const [k, t] of traces.entries())
    c.set({ t, dyn: true, nhwc: x.nhwc, ref: k === 0 ? name : `${name}:${k}` }, k);
}

/** Gather from an image value by constant indices: GatherV2 (1-D indices keep NHWC storage). */
function gather(c: Ctx): void {
  const idxT = c.constIn(1, 'indices')!;
  if (idxT.rank > 1) c.fail('only scalar or 1-D constant indices are supported');
  const x = idxT.rank === 1 ? c.in(0)! : c.toPlain(c.in(0)!);
  const axis = c.attr('axis', 0) as number;
  const n = c.shapeOf(x).at(axis)!;
  const idx = Array.from(idxT.dataSync(), (i) => (i < 0 ? i + n : i));
  if (idx.some((i) => !(i >= 0 && i < n))) c.fail(`an index is outside 0..${n - 1}`);
  const indices = idxT.rank === 0 ? tf.scalar(idx[0], 'int32') : tf.tensor1d(idx, 'int32');
  const stored = c.axisOf(x, axis);
  c.set(
    c.op(
      'gather',
      'GatherV2',
      [x.ref!, c.constNode(indices, 'indices'), c.constNode(tf.scalar(stored, 'int32'), 'axis')],
      {
        Tparams: { type: 'DT_FLOAT' },
        Tindices: { type: 'DT_INT32' },
        Taxis: { type: 'DT_INT32' },
        batch_dims: { i: '0' },
      },
      tf.gather(x.t, indices, stored),
      x.nhwc,
    ),
  );
}

export const shapeHandlers: Record<string, (c: Ctx) => void> = {
  Gather: gather,
  Concat: concat,
  Split: split,
  Slice: (c) => c.set(slice(c, c.in(0)!)),
  Pad: (c) => c.set(pad(c, c.in(0)!)),
  Reshape: reshapeLike,
  Flatten: reshapeLike,
  Squeeze: reshapeLike,
  Unsqueeze: reshapeLike,
  Expand: reshapeLike,
  Transpose(c) {
    const plain = c.toPlain(c.in(0)!);
    const perm = c.attrOpt<number[]>('perm') ?? [...plain.t.shape.keys()].reverse();
    c.set(
      c.op(
        'transpose',
        'Transpose',
        [plain.ref!, c.constNode(tf.tensor1d(perm, 'int32'), 'perm')],
        { ...FLOAT_T, Tperm: { type: 'DT_INT32' } },
        tf.transpose(plain.t, perm),
        false,
      ),
    );
  },
};
