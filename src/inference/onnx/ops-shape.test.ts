// Split / Slice / Pad / Concat / Reshape / Transpose / Squeeze / Unsqueeze against onnxruntime.

import { describe, expect, it } from 'vitest';
import { bothExporters, onnxCases, PARITY_TOLERANCE } from './onnx-parity.fixture';

const cases = onnxCases('shape', ['split-slice-pad', 'reshape-transpose']);

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
});
