// Convolutions in NHWC: Conv (groups, depthwise, dilations, strides, symmetric/asymmetric/auto
// pads), ConvTranspose (output_padding, pads, output_shape), and BatchNormalization.

import * as tf from '@tensorflow/tfjs';
import { type Ctx, constVal, type Val } from './convert-context';
import { b64, FLOAT_T, ints, NHWC_FORMAT } from './graphdef-attrs';
import { binary } from './ops-binary';

function addBias(c: Ctx, y: Val, bias: tf.Tensor | undefined): Val {
  if (!bias) return y;
  return c.op(
    'bias',
    'BiasAdd',
    [y.ref!, c.constNode(bias, 'bias')],
    { ...FLOAT_T, ...NHWC_FORMAT },
    tf.add(y.t, bias),
    true,
  );
}

/** Joins per-group convolution outputs along channels (NHWC axis 3). */
function concatGroups(c: Ctx, outs: Val[]): Val {
  return c.op(
    'concat_groups',
    'ConcatV2',
    [...outs.map((o) => o.ref!), c.constNode(tf.scalar(3, 'int32'), 'axis')],
    { ...FLOAT_T, N: { i: String(outs.length) }, Tidx: { type: 'DT_INT32' } },
    tf.concat(
      outs.map((o) => o.t),
      3,
    ),
    true,
  );
}

function conv(c: Ctx, xIn: Val): Val {
  const x = c.toNhwc(xIn.dyn ? xIn : c.constAsDyn(xIn));
  if (x.t.rank !== 4) c.fail('only 2-D convolutions are supported');
  const w = c.constIn(1, 'weight')!;
  const bias = c.in(2) ? c.constIn(2, 'bias') : undefined;
  const [O, Ig, kh, kw] = w.shape;
  const s = c.attr('strides', [1, 1]) as number[];
  const d = c.attr('dilations', [1, 1]) as number[];
  const g = c.attr('group', 1) as number;
  const C = x.t.shape[3];
  const p = c.pads2d(x.t.shape[1]!, x.t.shape[2]!, [kh, kw], s, d);
  const same =
    s[0] === 1 &&
    s[1] === 1 &&
    p[0] === p[2] &&
    p[1] === p[3] &&
    p[0] * 2 === d[0] * (kh - 1) &&
    p[1] * 2 === d[1] * (kw - 1);
  const src = same ? x : c.padNhwc(x, p);
  const padding = same ? 'SAME' : 'VALID';
  const attr = (op: string) => ({
    ...FLOAT_T,
    strides: ints([1, s[0], s[1], 1]),
    padding: { s: b64(padding) },
    ...NHWC_FORMAT,
    dilations: ints([1, d[0], d[1], 1]),
    ...(op === 'Conv2D' ? { use_cudnn_on_gpu: { b: true }, explicit_paddings: { list: {} } } : {}),
  });
  const pad = padding === 'SAME' ? 'same' : 'valid';
  let y: Val;
  if (g === 1) {
    const k = tf.transpose(w, [2, 3, 1, 0]);
    y = c.op(
      'conv',
      'Conv2D',
      [src.ref!, c.constNode(k, 'kernel')],
      attr('Conv2D'),
      tf.conv2d(src.t as tf.Tensor4D, k as tf.Tensor4D, [s[0], s[1]], pad, 'NHWC', [d[0], d[1]]),
      true,
    );
  } else if (g === C && Ig === 1 && s[0] === s[1]) {
    const m = O / C;
    const k = tf.transpose(w.reshape([C, m, kh, kw]), [2, 3, 0, 1]);
    y = c.op(
      'dwconv',
      'DepthwiseConv2dNative',
      [src.ref!, c.constNode(k, 'kernel')],
      attr('Depthwise'),
      tf.depthwiseConv2d(src.t as tf.Tensor4D, k as tf.Tensor4D, [s[0], s[1]], pad, 'NHWC', [d[0], d[1]]),
      true,
    );
  } else {
    // grouped: split channels, convolve each group, concatenate
    const name = c.unique(`${c.node.name}/groups`);
    c.emit(name, 'Split', [c.constNode(tf.scalar(3, 'int32'), 'axis'), src.ref!], {
      ...FLOAT_T,
      num_split: { i: String(g) },
    });
    const parts = tf.split(src.t, g, 3);
    const og = O / g;
    const outs = parts.map((part, k) => {
      const kk = tf.transpose(w.slice([k * og, 0, 0, 0], [og, Ig, kh, kw]), [2, 3, 1, 0]);
      return c.op(
        `conv_g${k}`,
        'Conv2D',
        [k === 0 ? name : `${name}:${k}`, c.constNode(kk, `kernel_g${k}`)],
        attr('Conv2D'),
        tf.conv2d(part as tf.Tensor4D, kk as tf.Tensor4D, [s[0], s[1]], pad, 'NHWC', [d[0], d[1]]),
        true,
      );
    });
    y = concatGroups(c, outs);
  }
  return addBias(c, y, bias);
}

/** [O, I, kh, kw] → [O, I, (kh−1)·dh+1, (kw−1)·dw+1], the taps spread by the dilations. */
function dilateKernel(w: tf.Tensor, [dh, dw]: number[]): tf.Tensor {
  if (dh === 1 && dw === 1) return w;
  const [o, i, kh, kw] = w.shape;
  const src = w.dataSync();
  const H = (kh - 1) * dh + 1;
  const W = (kw - 1) * dw + 1;
  const out = new Float32Array(o * i * H * W);
  for (let a = 0; a < o * i; a++)
    for (let y = 0; y < kh; y++)
      for (let x = 0; x < kw; x++) out[(a * H + y * dh) * W + x * dw] = src[(a * kh + y) * kw + x];
  return tf.tensor4d(out, [o, i, H, W]);
}

function convTranspose(c: Ctx, xIn: Val): Val {
  const x = c.toNhwc(xIn);
  const d = c.attr('dilations', [1, 1]) as number[];
  // a dilated transposed conv is the plain one with zeros between the kernel taps
  const w = dilateKernel(c.constIn(1, 'weight')!, d);
  const bias = c.in(2) ? c.constIn(2, 'bias') : undefined;
  const [Cin, Og1, kh, kw] = w.shape;
  const g = c.attr('group', 1) as number;
  const Og = Og1 * g;
  const s = c.attr('strides', [1, 1]) as number[];
  const op = c.attr('output_padding', [0, 0]) as number[];
  const p = (c.attr('pads', [0, 0, 0, 0]) as number[]).slice();
  const [N, H, W] = x.t.shape;
  const full = [(H - 1) * s[0] + kh, (W - 1) * s[1] + kw];
  const explicit = c.attrOpt<number[]>('output_shape');
  const out = explicit ? explicit.slice(-2) : [full[0] - p[0] - p[2] + op[0], full[1] - p[1] - p[3] + op[1]];
  const groupShape = [N, full[0], full[1], Og1] as [number, number, number, number];
  const transposeConv = (src: Val, ref: string, wk: tf.Tensor, hint: string) => {
    const k = tf.transpose(wk, [2, 3, 1, 0]);
    return c.op(
      hint,
      'Conv2DBackpropInput',
      [c.constNode(tf.tensor1d(groupShape, 'int32'), 'output_shape'), c.constNode(k, 'kernel'), ref],
      {
        ...FLOAT_T,
        strides: ints([1, s[0], s[1], 1]),
        padding: { s: b64('VALID') },
        ...NHWC_FORMAT,
        dilations: ints([1, 1, 1, 1]),
        use_cudnn_on_gpu: { b: true },
        explicit_paddings: { list: {} },
      },
      tf.conv2dTranspose(src.t as tf.Tensor4D, k as tf.Tensor4D, groupShape, [s[0], s[1]], 'valid'),
      true,
    );
  };
  let y: Val;
  if (g === 1) y = transposeConv(x, x.ref!, w, 'conv_transpose');
  else {
    // grouped: split the input channels, one transposed conv per group, concatenate
    const ig = Cin / g;
    const name = c.unique(`${c.node.name}/groups`);
    c.emit(name, 'Split', [c.constNode(tf.scalar(3, 'int32'), 'axis'), x.ref!], {
      ...FLOAT_T,
      num_split: { i: String(g) },
    });
    const parts = tf.split(x.t, g, 3);
    const outs = parts.map((t, k) =>
      transposeConv(
        { t, dyn: true, nhwc: true },
        k === 0 ? name : `${name}:${k}`,
        w.slice([k * ig, 0, 0, 0], [ig, Og1, kh, kw]),
        `conv_transpose_g${k}`,
      ),
    );
    y = concatGroups(c, outs);
  }
  // crop the pads, then extend by output_padding past the full size with zeros
  const extra = [Math.max(0, p[0] + out[0] - full[0]), Math.max(0, p[1] + out[1] - full[1])];
  if (extra[0] || extra[1]) y = c.padNhwc(y, [0, 0, extra[0], extra[1]]);
  if (p[0] || p[1] || y.t.shape[1] !== out[0] || y.t.shape[2] !== out[1])
    y = c.sliceStored(y, [0, p[0], p[1], 0], [N, out[0], out[1], Og]);
  return addBias(c, y, bias);
}

export const convHandlers: Record<string, (c: Ctx) => void> = {
  Conv: (c) => c.set(conv(c, c.in(0)!)),
  ConvTranspose: (c) => c.set(convTranspose(c, c.in(0)!)),
  BatchNormalization(c) {
    const x = c.in(0)!;
    const [scale, bias, mean, variance] = [1, 2, 3, 4].map((k) => c.constIn(k, 'statistics')!);
    const eps = c.attr('epsilon', 1e-5) as number;
    const mul = tf.div(scale, tf.sqrt(tf.add(variance, eps)));
    const add = tf.sub(bias, tf.mul(mean, mul));
    const shape = [1, -1, ...new Array(Math.max(0, x.t.rank - 2)).fill(1)];
    const m = binary(c, 'Mul', x, constVal(mul.reshape(shape)));
    c.set(binary(c, 'Add', m, constVal(add.reshape(shape))));
  },
};
