// Resize (opset 10+) and Upsample (opset 7-9) in NHWC. Each axis's sampling is worked out as
// onnxruntime does it (resize-coords.ts); where TF's ResizeBilinear / ResizeNearestNeighbor
// sample the same, they are used, otherwise an exact equivalent from constant-index GatherV2s
// (nearest) and two gathers mixed by constant weights (linear), one axis at a time.

import * as tf from '@tensorflow/tfjs';
import type { Ctx, Val } from './convert-context';
import { constVal } from './convert-context';
import { FLOAT_T } from './graphdef-attrs';
import { binary } from './ops-binary';
import {
  CTMS,
  type Ctm,
  type LinearTaps,
  linearTaps,
  NEAREST_MODES,
  nearestIndices,
  sameTaps,
  tfLinearTaps,
  tfNearestIndices,
} from './resize-coords';

/** Output size and the scale each axis's coordinate map uses (H, W). */
function sizesOf(c: Ctx, H: number, W: number): { size: number[]; scale: number[] } {
  const n = c.node;
  let scales: number[] | undefined;
  if (n.opType === 'Upsample') {
    scales = n.inputs[1]
      ? Array.from(c.constIn(1, 'scales')!.dataSync())
      : (c.attr('scales', []) as number[]);
  } else {
    const sizes = n.inputs[3] ? c.constInts(3, 'sizes') : undefined;
    if (sizes && sizes.length > 0) {
      const size = sizes.slice(-2);
      return { size, scale: [size[0] / H, size[1] / W] };
    }
    const t = n.inputs[2] ? c.constIn(2, 'scales') : undefined;
    if (t && t.size > 0) scales = Array.from(t.dataSync());
  }
  if (!scales) c.fail('neither scales nor sizes');
  if (scales.length !== 4 || scales[0] !== 1 || scales[1] !== 1) c.fail('only H and W may be resized');
  return { size: [Math.floor(H * scales[2]), Math.floor(W * scales[3])], scale: [scales[2], scales[3]] };
}

const gather = (c: Ctx, x: Val, idx: number[], axis: number, hint: string): Val =>
  c.op(
    hint,
    'GatherV2',
    [
      x.ref!,
      c.constNode(tf.tensor1d(idx, 'int32'), `${hint}_idx`),
      c.constNode(tf.scalar(axis, 'int32'), 'axis'),
    ],
    {
      Tparams: { type: 'DT_FLOAT' },
      Tindices: { type: 'DT_INT32' },
      Taxis: { type: 'DT_INT32' },
      batch_dims: { i: '0' },
    },
    tf.gather(x.t, tf.tensor1d(idx, 'int32'), axis),
    true,
  );

const identity = (idx: number[], n: number) => idx.length === n && idx.every((v, i) => v === i);

/** linear along one NHWC axis (1 = H, 2 = W): a + (b − a)·w */
function linearAxis(c: Ctx, x: Val, t: LinearTaps, axis: number): Val {
  const inLen = x.t.shape[axis];
  if (identity(t.i0, inLen) && t.w.every((w) => w === 0)) return x;
  const a = gather(c, x, t.i0, axis, `lo${axis}`);
  if (t.w.every((w, k) => w === 0 || t.i1[k] === t.i0[k])) return a;
  const b = gather(c, x, t.i1, axis, `hi${axis}`);
  const wShape = axis === 1 ? [1, 1, t.w.length, 1] : [1, 1, 1, t.w.length]; // ONNX order
  const w = constVal(tf.tensor(t.w, wShape));
  return binary(c, 'Add', a, binary(c, 'Mul', binary(c, 'Sub', b, a), w));
}

function resize(c: Ctx, xIn: Val): Val {
  const x = c.toNhwc(xIn);
  const n = c.node;
  const [, H, W] = x.t.shape;
  const { size, scale } = sizesOf(c, H, W);
  const mode = c.attr('mode', 'nearest') as string;
  const ctm = (
    n.opType === 'Upsample' ? 'asymmetric' : c.attr('coordinate_transformation_mode', 'half_pixel')
  ) as Ctm;
  if (!CTMS.includes(ctm))
    c.fail(`coordinate_transformation_mode "${ctm}" is not supported (${CTMS.join(', ')})`);
  const sizeRef = () => c.constNode(tf.tensor1d(size, 'int32'), 'size');
  const ins = [H, W];
  if (mode === 'linear' || mode === 'bilinear') {
    const taps = [0, 1].map((k) => linearTaps(ctm, ins[k], size[k], scale[k]));
    for (const [align, half] of [
      [false, true],
      [true, false],
      [false, false],
    ] as [boolean, boolean][])
      if ([0, 1].every((k) => sameTaps(taps[k], tfLinearTaps(align, half, ins[k], size[k]))))
        return c.op(
          'resize',
          'ResizeBilinear',
          [x.ref!, sizeRef()],
          { ...FLOAT_T, align_corners: { b: align }, half_pixel_centers: { b: half } },
          tf.image.resizeBilinear(x.t as tf.Tensor4D, size as [number, number], align, half),
          true,
        );
    return linearAxis(c, linearAxis(c, x, taps[0], 1), taps[1], 2);
  }
  if (mode === 'nearest') {
    const nearest =
      n.opType === 'Upsample' ? 'floor' : (c.attr('nearest_mode', 'round_prefer_floor') as string);
    if (!NEAREST_MODES.includes(nearest)) c.fail(`nearest_mode "${nearest}" is not supported`);
    const idx = [0, 1].map((k) => nearestIndices(ctm, nearest, ins[k], size[k], scale[k]));
    if ([0, 1].every((k) => tfNearestIndices(ins[k], size[k]).every((v, i) => v === idx[k][i])))
      return c.op(
        'resize',
        'ResizeNearestNeighbor',
        [x.ref!, sizeRef()],
        { ...FLOAT_T, align_corners: { b: false }, half_pixel_centers: { b: false } },
        tf.image.resizeNearestNeighbor(x.t as tf.Tensor4D, size as [number, number], false, false),
        true,
      );
    let y = x;
    if (!identity(idx[0], H)) y = gather(c, y, idx[0], 1, 'rows');
    if (!identity(idx[1], W)) y = gather(c, y, idx[1], 2, 'cols');
    return y;
  }
  c.fail(`mode "${mode}" is not supported (nearest, linear)`);
}

export const resizeHandlers: Record<string, (c: Ctx) => void> = {
  Resize: (c) => c.set(resize(c, c.in(0)!)),
  Upsample: (c) => c.set(resize(c, c.in(0)!)),
};
