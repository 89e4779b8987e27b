import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { countGraphFlops, type GraphModelJson, type GraphNode, int32Consts } from './graph-flops';
import { countModelFileFlops } from './node/model-flops';

const b64 = (s: string) => btoa(s);
const shape = (...d: number[]) => ({ dim: d.map((size) => ({ size: String(size) })) });
const placeholder = (name: string, ...d: number[]): GraphNode => ({
  name,
  op: 'Placeholder',
  attr: { shape: { shape: shape(...d) } },
});
const konst = (name: string, ...d: number[]): GraphNode => ({
  name,
  op: 'Const',
  attr: { value: { tensor: { tensorShape: shape(...d) } } },
});
const conv = (name: string, x: string, k: string, stride = 1, padding = 'SAME'): GraphNode => ({
  name,
  op: 'Conv2D',
  input: [x, k],
  attr: {
    strides: { list: { i: ['1', String(stride), String(stride), '1'] } },
    padding: { s: b64(padding) },
    data_format: { s: b64('NHWC') },
  },
});
const graph = (...node: GraphNode[]): GraphModelJson => ({ modelTopology: { node } });

describe('countGraphFlops', () => {
  it('counts a SAME and a strided VALID convolution', () => {
    const g = graph(
      placeholder('x', 2, 8, 8, 3),
      konst('k1', 3, 3, 3, 4),
      conv('c1', 'x', 'k1'),
      { name: 'r', op: 'Relu', input: ['c1'] },
      konst('k2', 3, 3, 4, 5),
      conv('c2', 'r', 'k2', 2, 'VALID'),
    );
    const r = countGraphFlops(g);
    // c1: 8×8 out, 4 filters of 3×3×3; c2: ceil((8−3+1)/2) = 3 → 3×3 out, 5 filters of 3×3×4
    expect(r.ops).toEqual([
      { name: 'c1', op: 'Conv2D', macs: 2 * 8 * 8 * 4 * 27 },
      { name: 'c2', op: 'Conv2D', macs: 2 * 3 * 3 * 5 * 36 },
    ]);
    expect(r.batch).toBe(2);
    expect(r.flopsPerItem).toBe(2 * (8 * 8 * 4 * 27 + 3 * 3 * 5 * 36));
  });

  it('counts a transposed convolution per input pixel and follows resize, slice and concat', () => {
    const g = graph(
      placeholder('x', 1, 4, 4, 6),
      konst('os', 4),
      konst('kt', 2, 2, 3, 6),
      {
        name: 'up',
        op: 'Conv2DBackpropInput',
        input: ['os', 'kt', 'x'],
        attr: { strides: { list: { i: ['1', '2', '2', '1'] } }, padding: { s: b64('VALID') } },
      },
      konst('b', 4),
      konst('s', 4),
      { name: 'crop', op: 'Slice', input: ['up', 'b', 's'] },
      konst('size', 2),
      { name: 'big', op: 'ResizeBilinear', input: ['crop', 'size'] },
      konst('axis', 1),
      { name: 'cat', op: 'ConcatV2', input: ['big', 'up', 'axis'] },
      konst('k', 1, 1, 6, 2),
      conv('head', 'cat', 'k'),
    );
    const consts = { os: [1, 8, 8, 3], b: [0, 2, 2, 0], s: [-1, 4, 4, -1], size: [8, 8], axis: [-1] };
    const r = countGraphFlops(g, consts);
    expect(r.ops).toEqual([
      { name: 'up', op: 'Conv2DBackpropInput', macs: 4 * 4 * 6 * 2 * 2 * 3 },
      { name: 'head', op: 'Conv2D', macs: 8 * 8 * 2 * 6 },
    ]);
  });

  it('counts a matrix product with transposes and names what it cannot count', () => {
    const mm = graph(placeholder('a', 3, 5), konst('w', 7, 5), {
      name: 'mm',
      op: 'MatMul',
      input: ['a', 'w'],
      attr: { transpose_b: { b: true } },
    });
    expect(countGraphFlops(mm).macs).toBe(3 * 7 * 5);
    const odd = graph(placeholder('a', 1, 4, 4, 3), { name: 'f', op: 'FFT2D', input: ['a'] });
    expect(() => countGraphFlops(odd)).toThrow(/FFT2D f: op not supported/);
    const noValue = graph(placeholder('a', 1, 4, 4, 3), konst('sz', 2), {
      name: 'rs',
      op: 'ResizeBilinear',
      input: ['a', 'sz'],
    });
    expect(() => countGraphFlops(noValue)).toThrow(/value of constant sz/);
  });

  it('reads int32 constants from shard bytes past float and float16-quantised weights', () => {
    const bytes = new Uint8Array(4 * 2 + 2 * 3 + 4 * 2);
    const view = new DataView(bytes.buffer);
    view.setInt32(14, 256, true);
    view.setInt32(18, -1, true);
    const manifest = [
      {
        paths: ['a.bin'],
        weights: [
          { name: 'f', shape: [2], dtype: 'float32' },
          { name: 'q', shape: [3], dtype: 'float32', quantization: { dtype: 'float16' } },
          { name: 'n', shape: [2], dtype: 'int32' },
        ],
      },
    ];
    expect(int32Consts(manifest, [bytes])).toEqual({ n: [256, -1] });
    expect(() => int32Consts(manifest, [bytes.subarray(0, 10)])).toThrow(/describes 22 bytes/);
  });

  // references: PyTorch's FlopCounterMode on training.registry's modules (width 16, depth 4) at
  // 64² per patch: unet 289 931 264; mrn 466 501 632, less its training-only context_head (a 1×1
  // conv 128 → 1 on the 8² context bottleneck, 2·8·8·128 = 16 384 FLOPs), which is not exported
  const MRN_HEAD = 2 * 8 * 8 * 128;
  it.each([
    ['unet', 289_931_264],
    ['unet-context', 289_931_264],
    ['mrn-bilinear', 466_501_632 - MRN_HEAD],
    ['mrn-transposed', 466_501_632 - MRN_HEAD],
  ])('%s: the shipped graph has the FLOPs PyTorch counts', async (id, torchFlops) => {
    const r = await countModelFileFlops(path.resolve('models', id, 'model.json'));
    expect(r.batch).toBe(8);
    expect(r.flopsPerItem).toBe(torchFlops);
  });
});
