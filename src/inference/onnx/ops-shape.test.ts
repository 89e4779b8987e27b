// Split / Slice / Pad / Concat / Reshape / Transpose / Squeeze / Unsqueeze against onnxruntime
// (PyTorch exports, both exporters), and Flatten, Identity, Constant, Gather and reflect Pad as
// single ops (onnx.helper graphs: the exports fold these away or never emit them alone).

import { describe, expect, it } from 'vitest';
import { bothExporters, onnxCases, PARITY_TOLERANCE } from './onnx-parity.fixture';

const cases = onnxCases('shape', [
  'split-slice-pad',
  'reshape-transpose',
  'flatten-identity-constant',
  'gather',
  'pad-reflect',
]);

describe.skipIf(!cases.ready)('ops-shape against onnxruntime', () => {
  for (const key of bothExporters('split-slice-pad'))
    it(`${key}: uneven Split, negative-index Slice, asymmetric constant Pad (value 0.5), Concat`, async () => {
      const r = await cases.parity(key);
      expect(r.maxDiff).toBeLessThanOrEqual(PARITY_TOLERANCE);
      for (const op of ['Split', 'Slice', 'Pad', 'Concat'])
        expect(r.onnx.nodes.some((n) => n.opType === op)).toBe(true);
      expect(r.graphOps.SplitV).toBe(1);
      expect(r.graphOps.Transpose ?? 0).toBe(0); // all on NHWC storage
    });
  for (const key of bothExporters('reshape-transpose'))
    it(`${key}: 5-D Reshape, Transpose permutations, Unsqueeze/Squeeze`, async () => {
      const r = await cases.parity(key);
      expect(r.maxDiff).toBeLessThanOrEqual(PARITY_TOLERANCE);
      for (const op of ['Reshape', 'Transpose', 'Unsqueeze', 'Squeeze'])
        expect(r.onnx.nodes.some((n) => n.opType === op)).toBe(true);
    });
  it('Flatten (axis 2), Identity, a Constant node, Shape → Reshape back', async () => {
    const r = await cases.parity('flatten-identity-constant.helper');
    expect(r.maxDiff).toBeLessThanOrEqual(PARITY_TOLERANCE);
    expect(r.onnx.nodes.map((n) => n.opType)).toEqual([
      'Flatten',
      'Identity',
      'Constant',
      'Mul',
      'Shape',
      'Reshape',
    ]);
    expect(r.converted.outputs[0].shape).toEqual([2, 4, 5, 3]);
  });
  it('Gather: on the Shape chain (folded, a negative index) and on the image (channels, rows; constant indices)', async () => {
    const r = await cases.parity('gather.helper');
    expect(r.maxDiff).toBeLessThanOrEqual(PARITY_TOLERANCE);
    expect(r.onnx.nodes.filter((n) => n.opType === 'Gather')).toHaveLength(3);
    expect(r.graphOps.GatherV2).toBe(2); // the shape one is folded
    // gathered on NHWC storage: the first GatherV2 reads the input placeholder itself
    const nodes = (r.converted.modelJson.modelTopology as { node: { op: string; input?: string[] }[] }).node;
    expect(nodes.find((n) => n.op === 'GatherV2')?.input?.[0]).toBe('input');
  });
  it('Pad, reflect, asymmetric', async () => {
    const r = await cases.parity('pad-reflect.helper');
    expect(r.maxDiff).toBeLessThanOrEqual(PARITY_TOLERANCE);
    expect(cases.attrsOf(r, 'Pad')[0].mode).toBe('reflect');
    expect(r.graphOps.MirrorPad).toBe(1);
  });
});
