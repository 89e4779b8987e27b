// Resize (opset 10+) and Upsample (opset 7-9) in NHWC, on TF's ResizeBilinear and
// ResizeNearestNeighbor. Modes without an exact TF twin are refused by name.

import * as tf from '@tensorflow/tfjs';
import type { Ctx, Val } from './convert-context';
import { FLOAT_T } from './graphdef-attrs';

function resize(c: Ctx, xIn: Val): Val {
  const x = c.toNhwc(xIn);
  const n = c.node;
  const [, H, W] = x.t.shape;
  let size: number[];
  if (n.opType === 'Upsample') {
    const scales = n.inputs[1]
      ? Array.from(c.constIn(1, 'scales')!.dataSync())
      : (c.attr('scales', []) as number[]);
    size = [Math.floor(H * scales[2]), Math.floor(W * scales[3])];
  } else {
    const sizes = n.inputs[3] ? c.constInts(3, 'sizes') : undefined;
    const scalesT = n.inputs[2] ? c.constIn(2, 'scales') : undefined;
    const scales = scalesT && scalesT.size > 0 ? Array.from(scalesT.dataSync()) : undefined;
    if (sizes && sizes.length > 0) size = sizes.slice(-2);
    else if (scales) size = [Math.floor(H * scales[2]), Math.floor(W * scales[3])];
    else c.fail('neither scales nor sizes');
  }
  const mode = c.attr('mode', 'nearest') as string;
  const ctm =
    n.opType === 'Upsample'
      ? 'asymmetric'
      : (c.attr('coordinate_transformation_mode', 'half_pixel') as string);
  const nearestMode = c.attr('nearest_mode', 'round_prefer_floor') as string;
  const sizeRef = c.constNode(tf.tensor1d(size, 'int32'), 'size');
  if (mode === 'linear' || mode === 'bilinear') {
    const flags: Record<string, [boolean, boolean]> = {
      half_pixel: [false, true],
      pytorch_half_pixel: [false, true],
      align_corners: [true, false],
      asymmetric: [false, false],
    };
    const f = flags[ctm];
    if (!f) c.fail(`coordinate_transformation_mode "${ctm}" is not supported`);
    return c.op(
      'resize',
      'ResizeBilinear',
      [x.ref!, sizeRef],
      { ...FLOAT_T, align_corners: { b: f[0] }, half_pixel_centers: { b: f[1] } },
      tf.image.resizeBilinear(x.t as tf.Tensor4D, size as [number, number], f[0], f[1]),
      true,
    );
  }
  if (mode === 'nearest') {
    const ok = (ctm === 'asymmetric' && nearestMode === 'floor') || n.opType === 'Upsample';
    const integer = size[0] % H === 0 && size[1] % W === 0;
    if (!ok && !(integer && ctm === 'asymmetric'))
      c.fail(`nearest with ${ctm}/${nearestMode} is not supported (asymmetric + floor, as PyTorch exports)`);
    return c.op(
      'resize',
      'ResizeNearestNeighbor',
      [x.ref!, sizeRef],
      { ...FLOAT_T, align_corners: { b: false }, half_pixel_centers: { b: false } },
      tf.image.resizeNearestNeighbor(x.t as tf.Tensor4D, size as [number, number], false, false),
      true,
    );
  }
  c.fail(`mode "${mode}" is not supported (nearest, linear)`);
}

export const resizeHandlers: Record<string, (c: Ctx) => void> = {
  Resize: (c) => c.set(resize(c, c.in(0)!)),
  Upsample: (c) => c.set(resize(c, c.in(0)!)),
};
