// Activations against onnxruntime: LeakyRelu(0.1), Sigmoid, Tanh, Relu6 (Clip 0..6), Clip(-0.5, 0.3),
// HardSigmoid, HardSwish, Gelu/Erf, Softmax over channels.

import { describe, expect, it } from 'vitest';
import { bothExporters, onnxCases, PARITY_TOLERANCE } from './onnx-parity.fixture';

const cases = onnxCases('activations', ['activations', 'softmax-channels']);

describe.skipIf(!cases.ready)('ops-activations against onnxruntime', () => {
  for (const key of bothExporters('activations'))
    it(`${key}: every activation with non-default parameters`, async () => {
      const r = await cases.parity(key);
      expect(r.maxDiff).toBeLessThanOrEqual(PARITY_TOLERANCE);
      expect(cases.attrsOf(r, 'LeakyRelu')[0].alpha).toBeCloseTo(0.1);
      for (const op of ['Sigmoid', 'Tanh', 'Clip', 'HardSigmoid', 'HardSwish', 'Erf'])
        expect(r.onnx.nodes.some((n) => n.opType === op)).toBe(true);
      expect(r.graphOps.Relu6).toBe(1);
      expect(r.graphOps.ClipByValue).toBeGreaterThanOrEqual(2);
    });
  for (const key of bothExporters('softmax-channels'))
    it(`${key}: Softmax over the channel axis (NHWC last axis)`, async () => {
      const r = await cases.parity(key);
      expect(r.maxDiff).toBeLessThanOrEqual(PARITY_TOLERANCE);
      expect(r.graphOps.Softmax).toBe(1);
      expect(r.graphOps.Transpose ?? 0).toBe(0);
    });
});
