// The shape chains of the legacy exporter (Shape → Slice → Concat → Resize sizes; ConstantOfShape →
// Reshape → Pad pads) fold away at conversion: the graph keeps only image ops and Consts.

import { describe, expect, it } from 'vitest';
import { onnxCases, PARITY_TOLERANCE } from './onnx-parity.fixture';

const cases = onnxCases('folding', ['resize-size', 'split-slice-pad']);

describe.skipIf(!cases.ready)('constant folding of exporter shape chains', () => {
  it('resize-size.legacy: Shape/Slice/Concat feeding Resize sizes fold into one size Const', async () => {
    const r = await cases.parity('resize-size.legacy');
    expect(r.maxDiff).toBeLessThanOrEqual(PARITY_TOLERANCE);
    expect(r.onnx.nodes.some((n) => n.opType === 'Shape')).toBe(true);
    expect(Object.keys(r.graphOps).sort()).toEqual(['Const', 'Identity', 'Placeholder', 'ResizeBilinear']);
  });
  it('split-slice-pad.legacy: ConstantOfShape/Reshape/Transpose/Cast pad chains fold into PadV2 paddings', async () => {
    const r = await cases.parity('split-slice-pad.legacy');
    expect(r.maxDiff).toBeLessThanOrEqual(PARITY_TOLERANCE);
    expect(r.onnx.nodes.some((n) => n.opType === 'ConstantOfShape')).toBe(true);
    expect(r.graphOps.Reshape ?? 0).toBe(0);
    expect(r.graphOps.Transpose ?? 0).toBe(0);
    expect(r.graphOps.PadV2).toBe(1);
  });
});
