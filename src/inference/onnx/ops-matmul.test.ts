// MatMul (batched, 4-D × 2-D) and Gemm (transB) against onnxruntime.

import { describe, expect, it } from 'vitest';
import { bothExporters, onnxCases, PARITY_TOLERANCE } from './onnx-parity.fixture';

const cases = onnxCases('matmul', ['matmul', 'global-pool-gemm']);

describe.skipIf(!cases.ready)('ops-matmul against onnxruntime', () => {
  for (const key of bothExporters('matmul'))
    it(`${key}: 4-D activation × 2-D weight`, async () => {
      const r = await cases.parity(key);
      expect(r.maxDiff).toBeLessThanOrEqual(PARITY_TOLERANCE);
      expect(r.graphOps.BatchMatMulV2).toBe(1);
    });
  for (const key of bothExporters('global-pool-gemm'))
    it(`${key}: Gemm with transB after Flatten`, async () => {
      const r = await cases.parity(key);
      expect(r.maxDiff).toBeLessThanOrEqual(PARITY_TOLERANCE);
      expect(cases.attrsOf(r, 'Gemm')[0].transB).toBe(1);
    });
});
