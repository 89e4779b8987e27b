// Conv / ConvTranspose / BatchNormalization against onnxruntime, with non-default attributes.

import { describe, expect, it } from 'vitest';
import { bothExporters, onnxCases, PARITY_TOLERANCE } from './onnx-parity.fixture';

const cases = onnxCases('conv', [
  'conv-asym-pad',
  'conv-dilated',
  'conv-grouped',
  'conv-depthwise',
  'conv-bn',
  'conv-transpose-outpad',
  'conv-bn-unfolded',
  'conv-transpose-dilated',
]);

describe.skipIf(!cases.ready)('ops-conv against onnxruntime', () => {
  it('ConvTranspose with dilations 2 × 3, strides 2 × 1, asymmetric pads, output_padding (onnx.helper)', async () => {
    const r = await cases.parity('conv-transpose-dilated.helper');
    expect(r.maxDiff).toBeLessThanOrEqual(PARITY_TOLERANCE);
    expect(cases.attrsOf(r, 'ConvTranspose')[0]).toMatchObject({
      dilations: [2, 3],
      strides: [2, 1],
      pads: [1, 0, 2, 1],
      output_padding: [1, 0],
    });
    expect(r.graphOps.Conv2DBackpropInput).toBe(1);
  });
  for (const key of bothExporters('conv-asym-pad'))
    it(`${key}: asymmetric pads, stride 2`, async () => {
      const r = await cases.parity(key);
      expect(r.maxDiff).toBeLessThanOrEqual(PARITY_TOLERANCE);
      const conv = cases.attrsOf(r, 'Conv')[0];
      expect(conv.strides).toEqual([2, 2]);
      // asymmetric either as an ONNX Pad before the Conv (legacy) or in the Conv's own pads
      const pads = (conv.pads as number[] | undefined) ?? [0, 0, 0, 0];
      expect(pads[0] !== pads[2] || pads[1] !== pads[3] || r.onnx.nodes.some((n) => n.opType === 'Pad')).toBe(
        true,
      );
    });
  for (const key of bothExporters('conv-dilated'))
    it(`${key}: dilations 2`, async () => {
      const r = await cases.parity(key);
      expect(r.maxDiff).toBeLessThanOrEqual(PARITY_TOLERANCE);
      expect(cases.attrsOf(r, 'Conv')[0].dilations).toEqual([2, 2]);
    });
  for (const key of bothExporters('conv-grouped'))
    it(`${key}: groups 2, strides 1×2`, async () => {
      const r = await cases.parity(key);
      expect(r.maxDiff).toBeLessThanOrEqual(PARITY_TOLERANCE);
      expect(cases.attrsOf(r, 'Conv')[0]).toMatchObject({ group: 2, strides: [1, 2] });
      expect(r.graphOps.Conv2D).toBe(2); // one per group
    });
  for (const key of bothExporters('conv-depthwise'))
    it(`${key}: depthwise (groups = channels, multiplier 2), 5×5, no bias`, async () => {
      const r = await cases.parity(key);
      expect(r.maxDiff).toBeLessThanOrEqual(PARITY_TOLERANCE);
      expect(cases.attrsOf(r, 'Conv')[0].group).toBe(4);
      expect(r.graphOps.DepthwiseConv2dNative).toBe(1);
    });
  for (const key of bothExporters('conv-bn'))
    it(`${key}: Conv + BatchNormalization + Relu`, async () => {
      const r = await cases.parity(key);
      expect(r.maxDiff).toBeLessThanOrEqual(PARITY_TOLERANCE);
    });
  for (const key of bothExporters('conv-transpose-outpad'))
    it(`${key}: ConvTranspose stride 2, pads 1, output_padding 1`, async () => {
      const r = await cases.parity(key);
      expect(r.maxDiff).toBeLessThanOrEqual(PARITY_TOLERANCE);
      expect(cases.attrsOf(r, 'ConvTranspose')[0]).toMatchObject({ strides: [2, 2], output_padding: [1, 1] });
    });
  for (const key of bothExporters('conv-bn-unfolded'))
    it(`${key}: BatchNormalization folded into the Conv and the grouped ConvTranspose before it`, async () => {
      const r = await cases.parity(key);
      expect(r.maxDiff).toBeLessThanOrEqual(PARITY_TOLERANCE);
      expect(r.onnx.nodes.filter((n) => n.opType === 'BatchNormalization')).toHaveLength(3);
      expect(cases.attrsOf(r, 'ConvTranspose')[0].group).toBe(2);
      // the two after a convolution fold; the first (on the input) stays one Mul and one Add
      expect(r.converted.foldedBatchNorms).toBe(2);
      expect(r.graphOps.Mul).toBe(1);
      expect(r.graphOps.Conv2DBackpropInput).toBe(2); // one per group
      expect(r.graphOps.AddV2).toBe(1);
    });
});
