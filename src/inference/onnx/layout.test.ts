// NCHW ↔ NHWC maps, and that a conv net converts with no Transpose in its graph.

import { describe, expect, it } from 'vitest';
import { broadcastShape, nhwcAxis, TO_NCHW, TO_NHWC } from './layout';
import { onnxCases, PARITY_TOLERANCE } from './onnx-parity.fixture';

describe('layout maps', () => {
  it('TO_NHWC and TO_NCHW are inverse; nhwcAxis moves C last', () => {
    expect(TO_NHWC.map((p) => TO_NCHW[p])).toEqual([0, 1, 2, 3]);
    expect([0, 1, 2, 3].map(nhwcAxis)).toEqual([0, 3, 1, 2]);
    expect(broadcastShape([3, 1, 1], 4)).toEqual([1, 3, 1, 1]);
    expect(broadcastShape([5], 1)).toEqual([5]);
  });
});

const cases = onnxCases('layout', ['grouped-net']);

describe.skipIf(!cases.ready)('layout of a converted conv net', () => {
  it('grouped-net (both exporters) runs NHWC throughout: no Transpose in the graph', async () => {
    for (const key of ['grouped-net.legacy', 'grouped-net.dynamo']) {
      const r = await cases.parity(key);
      expect(r.maxDiff).toBeLessThanOrEqual(PARITY_TOLERANCE);
      expect(r.graphOps.Transpose ?? 0).toBe(0);
    }
  });
});
