import { existsSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { createEngine } from './engine';
import { type LoadedModel, loadModelWith } from './model-loader';
import { nodeFileHandler, readModelCard } from './node/node-model-io';

const load = async (id: string): Promise<LoadedModel> =>
  loadModelWith(nodeFileHandler(`models/${id}/model.json`), await readModelCard(`models/${id}`));
const haveModels = ['test-tiny-unet', 'test-tiny-mrn', 'test-pattern'].every((m) =>
  existsSync(`models/${m}/card.json`),
);

describe.skipIf(!haveModels)('exported test models through the engine', () => {
  it('maps cards to engine specs and patch geometry', async () => {
    const mrn = await load('test-tiny-mrn');
    expect(mrn.spec.inputs.map((i) => i.name)).toEqual(['target', 'context']);
    expect(mrn.geometry).toEqual({ targetSize: 64, targetMpp: 1, contextSize: 64, contextMpp: 4 });
    expect(mrn.spec.batchSize).toBe(mrn.card.batchSize);
    const unet = await load('test-tiny-unet');
    expect(unet.geometry).toEqual({ targetSize: 64, targetMpp: 1 });
  });

  it('runs the tiny MRN with flat tensor count over 1,000 patches (wasm)', async () => {
    const model = await load('test-tiny-mrn');
    const engine = createEngine({ backend: 'wasm' });
    await engine.load(model.artifacts, model.spec);
    expect(engine.batchSize).toBe(model.card.batchSize); // the card's fixed batch wins
    const B = engine.batchSize;
    const target = new Float32Array(B * 64 * 64 * 3).map((_, k) => Math.sin(k) * 0.5);
    const context = new Float32Array(B * 64 * 64 * 3).map((_, k) => Math.cos(k) * 0.5);
    const first = await engine.predict({ target, context }, B);
    expect(first.length).toBe(B * 4096);
    expect(first.every((p) => p >= 0 && p <= 1)).toBe(true);
    const tensors = tf.memory().numTensors;
    for (let done = B; done < 1000; done += B)
      await engine.predict({ target, context }, Math.min(B, 1000 - done));
    expect(tf.memory().numTensors).toBe(tensors);
    // a padded short batch gives the same answers for the patches it holds
    const short = await engine.predict(
      { target: target.slice(0, 3 * 64 * 64 * 3), context: context.slice(0, 3 * 64 * 64 * 3) },
      3,
    );
    for (let k = 0; k < short.length; k += 97) expect(short[k]).toBeCloseTo(first[k], 5);
    engine.dispose();
  });
});
