// Resize against onnxruntime: PyTorch's exports (nearest, bilinear half_pixel and align_corners,
// explicit sizes; both exporters) and onnx.helper graphs for what PyTorch never emits: every
// nearest_mode under every coordinate_transformation_mode, linear under each mode, scales that
// are not out/in, opset-9 Upsample. Each helper graph resizes up by a non-integer factor and down.

import { describe, expect, it } from 'vitest';
import { bothExporters, onnxCases, PARITY_TOLERANCE } from './onnx-parity.fixture';
import { CTMS, NEAREST_MODES } from './resize-coords';

const helperNames = [
  ...CTMS.flatMap((ctm) => [
    ...NEAREST_MODES.map((nm) => `resize-nearest-${ctm}-${nm}`),
    `resize-linear-${ctm}`,
  ]),
  'resize-linear-scales',
  'upsample9-nearest',
  'upsample9-linear',
];
const cases = onnxCases('resize', [
  'resize-nearest',
  'resize-bilinear-half-pixel',
  'resize-bilinear-align-corners',
  'resize-size',
  ...helperNames,
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

  for (const ctm of CTMS) {
    for (const nm of NEAREST_MODES)
      it(`nearest, ${ctm}, ${nm} (13×11 up, 6×4 down from 9×8)`, async () => {
        const r = await cases.parity(`resize-nearest-${ctm}-${nm}.helper`);
        expect(r.maxDiff).toBeLessThanOrEqual(PARITY_TOLERANCE);
        expect(cases.attrsOf(r, 'Resize')[0]).toMatchObject({
          coordinate_transformation_mode: ctm,
          nearest_mode: nm,
        });
        expect(r.graphOps.Transpose ?? 0).toBe(0);
      });
    it(`linear, ${ctm} (13×11 up, 6×4 down from 9×8)`, async () => {
      const r = await cases.parity(`resize-linear-${ctm}.helper`);
      expect(r.maxDiff).toBeLessThanOrEqual(PARITY_TOLERANCE);
      expect(cases.attrsOf(r, 'Resize')[0]).toMatchObject({
        mode: 'linear',
        coordinate_transformation_mode: ctm,
      });
    });
  }

  it('linear by scales 2.5 × 1.5 (coordinates from the scales, not out/in): gathers, not ResizeBilinear', async () => {
    const r = await cases.parity('resize-linear-scales.helper');
    expect(r.maxDiff).toBeLessThanOrEqual(PARITY_TOLERANCE);
    expect(r.graphOps.ResizeBilinear ?? 0).toBe(0);
    expect(r.graphOps.GatherV2).toBeGreaterThan(0);
  });

  for (const mode of ['nearest', 'linear'])
    it(`opset-9 Upsample, ${mode}, scales 2 × 3`, async () => {
      const r = await cases.parity(`upsample9-${mode}.helper`);
      expect(r.maxDiff).toBeLessThanOrEqual(PARITY_TOLERANCE);
      expect(r.onnx.opset).toBe(9);
      expect(r.onnx.nodes[0].opType).toBe('Upsample');
    });
});
