import { existsSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { createEngine } from './engine';
import { type LoadedModel, loadModelWith } from './model-loader';
import { chooseTileSize, tileOf } from './model-tiles';
import { loadModelDir } from './node/load-model-dir';
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
    expect(unet.tile.modelFile).toBe('model.json');
  });

  it('loads a larger tile: its own graph and batch, the same weights, the trained margin', async () => {
    const card = await readModelCard('models/test-tiny-unet');
    const t = await loadModelDir('models/test-tiny-unet', { tileSize: 256 });
    expect(t.tile).toMatchObject({ size: 256, modelFile: 'model-256.json', batchSize: 1 });
    expect(t.geometry).toEqual({ targetSize: 256, targetMpp: 1, keepMargin: 8 });
    expect(t.spec.inputs[0].size).toBe(256);
    expect(t.spec.output.size).toBe(256);
    expect(t.spec.batchSize).toBe(1);
    // the default is the largest offered up to DEFAULT_TILE_SIZE; 64 is the trained graph exactly
    expect((await loadModelDir('models/test-tiny-unet')).tile.size).toBe(chooseTileSize(card));
    const legacy = await loadModelDir('models/test-tiny-unet', { tileSize: 64 });
    expect(legacy.spec).toEqual((await load('test-tiny-unet')).spec);
    // a size not offered: the largest offered below it
    expect((await loadModelDir('models/test-tiny-unet', { tileSize: 200 })).tile.size).toBe(128);
    expect(() => tileOf(card, 96)).toThrow(/no 96 px tile \(it offers 64, 128, 256 px\)/);
    // the tile graph's weights are the trained graph's: the same float tensors by name
    const names = (a: LoadedModel) =>
      a.artifacts.weightSpecs!.filter((w) => w.dtype === 'float32').map((w) => w.name);
    expect(names(t)).toEqual(names(legacy));
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
