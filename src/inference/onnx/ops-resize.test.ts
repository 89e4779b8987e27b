// Resize against onnxruntime: nearest, bilinear half_pixel and align_corners, explicit sizes.

import { describe, expect, it } from 'vitest';
import { bothExporters, onnxCases, PARITY_TOLERANCE } from './onnx-parity.fixture';

const cases = onnxCases('resize', [
  'resize-nearest',
  'resize-bilinear-half-pixel',
  'resize-bilinear-align-corners',
  'resize-size',
]);

const modes: Record<string, { mode: string; ctm?: string }> = {
  'resize-nearest': { mode: 'nearest' },
  'resize-bilinear-half-pixel': { mode: 'linear', ctm: 'pytorch_half_pixel' },
  'resize-bilinear-align-corners': { mode: 'linear', ctm: 'align_corners' },
  'resize-size': { mode: 'linear', ctm: 'pytorch_half_pixel' },
};

describe.skipIf(!cases.ready)('ops-resize against onnxruntime', () => {
  for (const [name, want] of Object.entries(modes))
    for (const key of bothExporters(name))
      it(`${key}: ${want.mode} ${want.ctm ?? ''}`, async () => {
        const r = await cases.parity(key);
        expect(r.maxDiff).toBeLessThanOrEqual(PARITY_TOLERANCE);
        const a = cases.attrsOf(r, 'Resize')[0];
        expect(a.mode).toBe(want.mode);
        if (want.ctm) expect([want.ctm, 'half_pixel']).toContain(a.coordinate_transformation_mode);
      });
});
