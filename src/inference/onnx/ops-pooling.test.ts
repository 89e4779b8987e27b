// MaxPool / AveragePool / GlobalAveragePool / ReduceMean against onnxruntime, non-default attributes.

import { describe, expect, it } from 'vitest';
import { bothExporters, onnxCases, PARITY_TOLERANCE } from './onnx-parity.fixture';

const cases = onnxCases('pooling', ['pools', 'global-pool-gemm']);

describe.skipIf(!cases.ready)('ops-pooling against onnxruntime', () => {
  for (const key of bothExporters('pools'))
    it(`${key}: max 3×3 stride 2 pad 1, average 2×2 stride 2, average over a padded input`, async () => {
      const r = await cases.parity(key);
      expect(r.maxDiff).toBeLessThanOrEqual(PARITY_TOLERANCE);
      expect(cases.attrsOf(r, 'MaxPool')[0]).toMatchObject({
        kernel_shape: [3, 3],
        strides: [2, 2],
        pads: [1, 1, 1, 1],
      });
      expect(cases.attrsOf(r, 'AveragePool').map((a) => a.strides)).toEqual([
        [2, 2],
        [2, 2],
      ]);
    });
  for (const key of bothExporters('global-pool-gemm'))
    it(`${key}: global average pool (GlobalAveragePool or ReduceMean) into a squeeze-excite gate`, async () => {
      const r = await cases.parity(key);
      expect(r.maxDiff).toBeLessThanOrEqual(PARITY_TOLERANCE);
      expect(r.onnx.nodes.some((n) => n.opType === 'GlobalAveragePool' || n.opType === 'ReduceMean')).toBe(
        true,
      );
      expect(r.graphOps.Mean).toBe(1);
    });
});
