// Parity of a U-Net on a timm encoder (resnet10t, features_only, 64²) against onnxruntime, both
// exporters. timm comes from .cache/python-timm (scripts/install-python.sh; why it is kept apart:
// training/timm_import.py); without it the test skips, saying so.

import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { bothExporters, hasOnnxPython, onnxCases, PARITY_TOLERANCE } from './onnx-parity.fixture';

const hasTimm =
  hasOnnxPython &&
  (() => {
    try {
      execFileSync('python3', ['-c', 'from training.timm_import import import_timm; import_timm()'], {
        stdio: 'ignore',
      });
      return true;
    } catch {
      console.warn('timm not importable (bash scripts/install-python.sh installs it): timm parity skipped');
      return false;
    }
  })();
const cases = hasTimm ? onnxCases('timm', ['timm-resnet10t-unet']) : null;

describe.skipIf(!cases)('ONNX → TF.js converter parity with onnxruntime (timm encoder)', () => {
  for (const key of bothExporters('timm-resnet10t-unet'))
    it(`${key} converts to within 1e-4 of onnxruntime`, { timeout: 300_000 }, async () => {
      const r = await cases!.parity(key);
      console.info(
        `${key}: max |Δ| ${r.maxDiff.toExponential(2)} (${Object.keys(r.converted.ops).join(' ')})`,
      );
      expect(r.maxDiff).toBeLessThanOrEqual(PARITY_TOLERANCE);
      // resnet10t: a deep stem, max pool, four stages of basic blocks, BNs folded into the convs
      expect(r.onnx.nodes.filter((n) => n.opType === 'Conv').length).toBeGreaterThan(10);
      expect(r.graphOps.FusedBatchNormV3 ?? 0).toBe(0);
      expect(r.graphOps.Transpose ?? 0).toBe(0);
      expect(r.converted.outputs[0].shape).toEqual([2, 64, 64, 2]);
    });
});
