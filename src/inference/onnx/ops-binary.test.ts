// Add / Sub / Mul / Div with broadcasting (scalars, a channel slice, a keepdims mean) vs onnxruntime.

import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { bothExporters, onnxCases, PARITY_TOLERANCE } from './onnx-parity.fixture';
import { BINARY, foldBinary } from './ops-binary';

const cases = onnxCases('binary', ['arith-broadcast']);

describe('ops-binary folding', () => {
  it('integer Div floors (shape arithmetic), float Div divides', () => {
    expect(
      Array.from(foldBinary('Div', tf.tensor1d([7, -7], 'int32'), tf.scalar(2, 'int32')).dataSync()),
    ).toEqual([3, -4]);
    expect(Array.from(foldBinary('Div', tf.tensor1d([7]), tf.scalar(2)).dataSync())).toEqual([3.5]);
    expect(Object.keys(BINARY)).toEqual(['Add', 'Sub', 'Mul', 'Div', 'Pow', 'Max', 'Min']);
  });
});

describe.skipIf(!cases.ready)('ops-binary against onnxruntime', () => {
  for (const key of bothExporters('arith-broadcast'))
    it(`${key}: broadcasting scalars, 1-channel slices and N×C×1×1 means`, async () => {
      const r = await cases.parity(key);
      expect(r.maxDiff).toBeLessThanOrEqual(PARITY_TOLERANCE);
      for (const op of ['Add', 'Sub', 'Mul', 'Div'])
        expect(r.onnx.nodes.some((n) => n.opType === op)).toBe(true);
      expect(r.graphOps.Transpose ?? 0).toBe(0); // broadcasting stays in NHWC
    });
});
