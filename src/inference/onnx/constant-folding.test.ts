// The shape chains of the legacy exporter (Shape → Slice → Concat → Resize sizes; ConstantOfShape →
// Reshape → Pad pads) and of the dynamo exporter's unoptimised graphs (Range, Cast, CastLike,
// Equal, Where, Expand) fold away at conversion: the graph keeps only image ops and Consts.

import { describe, expect, it } from 'vitest';
import { onnxCases, PARITY_TOLERANCE } from './onnx-parity.fixture';

const cases = onnxCases('folding', ['resize-size', 'split-slice-pad', 'dynamo-shape-ops']);

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
  it('dynamo-shape-ops.dynamo (optimize=False): Range/Cast/CastLike/Equal/Where/Expand fold into Consts', async () => {
    const r = await cases.parity('dynamo-shape-ops.dynamo');
    expect(r.maxDiff).toBeLessThanOrEqual(PARITY_TOLERANCE);
    const onnxOps = new Set(r.onnx.nodes.map((n) => n.opType));
    for (const op of ['Range', 'Cast', 'CastLike', 'Equal', 'Where', 'Expand']) expect(onnxOps).toContain(op);
    expect(Object.keys(r.graphOps).sort()).toEqual(['AddV2', 'Const', 'Identity', 'Mul', 'Placeholder']);
    // the legacy export of the same module converts to the same values
    expect((await cases.parity('dynamo-shape-ops.legacy')).maxDiff).toBeLessThanOrEqual(PARITY_TOLERANCE);
  });
});
