// Parity of whole converted networks against onnxruntime: the project's U-Net and MRN (bilinear),
// an FPN/ASPP head (dilations, bilinear Resize) and a grouped/depthwise net, each exported by both
// torch.onnx exporters (training/make_onnx_tests.py, random weights). Converted graphs run in Node
// TF.js (cpu) on the same inputs; max |Δ| ≤ 1e-4. A model that fails to export fails the test.
// Per-op parity lives beside each op module (ops-*.test.ts).

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { OnnxError, parseOnnx } from './onnx-model';
import { bothExporters, onnxCases, PARITY_TOLERANCE } from './onnx-parity.fixture';

const NETWORKS = ['unet', 'mrn-bilinear', 'fpn-aspp', 'grouped-net'];
const cases = onnxCases('networks', NETWORKS);

describe.skipIf(!cases.ready)('ONNX → TF.js converter parity with onnxruntime (networks)', () => {
  for (const name of NETWORKS)
    for (const key of bothExporters(name))
      it(`${key} converts to within 1e-4 of onnxruntime`, { timeout: 300_000 }, async () => {
        const r = await cases.parity(key); // throws when the export failed
        console.info(
          `${key}: max |Δ| ${r.maxDiff.toExponential(2)} (${Object.keys(r.converted.ops).join(' ')})`,
        );
        expect(r.maxDiff).toBeLessThanOrEqual(PARITY_TOLERANCE);
      });

  it('rejects truncated and non-ONNX files clearly', () => {
    expect(() => parseOnnx(new TextEncoder().encode('{"not": "onnx"}'))).toThrow(OnnxError);
    const bytes = readFileSync(cases.onnxFile('unet.legacy'));
    expect(() => parseOnnx(new Uint8Array(bytes.subarray(0, bytes.length >> 1)))).toThrow(
      /not an ONNX model|truncated/,
    );
    expect(() => parseOnnx(new Uint8Array(bytes), { maxBytes: 1000 })).toThrow(/, over the 1000 B cap/);
  });
});
