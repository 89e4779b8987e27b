import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { type ModelCard, parseModelCard } from '../model-card';
import { completeConvertedCard } from './card-draft';
import { convertOnnxBytes } from './convert-bytes';
import { tinyOnnx } from './tiny-onnx.fixture';
import { warmUpCheck } from './warm-up-check';

const GIVEN = {
  id: 'tiny',
  name: 'Tiny',
  inputs: [{ role: 'target', mpp: 1, normalization: { kind: 'range', min: 0, max: 1 } }],
  output: { channels: [{ name: 'background' }, { name: 'tumour' }] },
  training: { data: 'none' },
  intendedUse: 'test',
};

describe('warm-up check', () => {
  beforeAll(() => tf.setBackend('cpu'));

  it('runs the converted graph once against its card', async () => {
    const c = await convertOnnxBytes(tinyOnnx({ channels: 2 }), { fileName: 'tiny.onnx' });
    const card = completeConvertedCard(GIVEN, c, 'now');
    const r = await warmUpCheck(c.modelJson, c.weights, card);
    expect(r.outputShape).toEqual([2, 16, 16, 2]);
    // zeros in: sigmoid(bias) per channel, bias −0.05 and 0.05
    expect(r.range[0]).toBeCloseTo(1 / (1 + Math.exp(0.05)), 6);
    expect(r.range[1]).toBeCloseTo(1 / (1 + Math.exp(-0.05)), 6);
    expect(tf.memory().numTensors).toBe(0);
  });

  it('refuses a card whose input shape, channels or tumour channel the graph does not have', async () => {
    const c = await convertOnnxBytes(tinyOnnx({ channels: 2 }), { fileName: 'tiny.onnx' });
    const good = completeConvertedCard(GIVEN, c, 'now');
    // biome-ignore lint/suspicious/noExplicitAny: edits a card's JSON freely
    type J = any;
    const edit = (f: (j: J) => void): ModelCard => {
      const j = structuredClone(good) as J;
      f(j);
      return parseModelCard(j);
    };
    const big = edit((j) => {
      j.inputs[0].size = 32;
      j.output.size = 32;
    });
    await expect(warmUpCheck(c.modelJson, c.weights, big)).rejects.toThrow(
      /input "target" has shape \[2, 16, 16, 3\], card says \[2, 32, 32, 3\]/,
    );
    const three = edit((j) => {
      j.output.channels.push({ name: 'gland' });
      j.output.tumourChannel = 'gland';
    });
    await expect(warmUpCheck(c.modelJson, c.weights, three)).rejects.toThrow(
      /produced shape \[2, 16, 16, 2\], card says \[2, 16, 16, 3\]|tumour channel "gland" \(index 2\) is not in the output/,
    );
    expect(tf.memory().numTensors).toBe(0);
  });
});
