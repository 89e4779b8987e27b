import { cpSync, mkdtempSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ModelFileError, nodeFileHandler, readModelCard } from './node-model-io';

describe('nodeFileHandler', () => {
  let tmp: string;
  beforeAll(async () => {
    await tf.setBackend('cpu');
    tmp = mkdtempSync(join(tmpdir(), 'node-model-io-'));
  });
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  /** a fresh copy of a shipped model dir to corrupt */
  const copy = (id: string, name: string) => {
    const dir = join(tmp, name);
    cpSync(join('models', id), dir, { recursive: true });
    return dir;
  };

  it('loads and runs a graph model from disk', async () => {
    const model = await tf.loadGraphModel(nodeFileHandler('models/test-pattern/model.json'));
    const card = await readModelCard('models/test-pattern');
    expect(model.inputs.map((i) => [i.name, i.shape])).toEqual([['target', [8, 64, 64, 3]]]);
    // the pattern model returns the red channel: input (r, g, b) → r
    const x = tf.tidy(() =>
      tf.stack([tf.fill([8, 64, 64], 0.25), tf.fill([8, 64, 64], 0.9), tf.fill([8, 64, 64], 0.5)], 3),
    );
    const y = model.execute({ target: x }, card.output.name) as tf.Tensor;
    expect(y.shape).toEqual([8, 64, 64, 1]);
    const v = await y.data();
    expect(Math.max(...v)).toBeCloseTo(0.25, 6);
    expect(Math.min(...v)).toBeCloseTo(0.25, 6);
    tf.dispose([x, y]);
    model.dispose();
  });

  it('names a missing weight shard', async () => {
    const dir = copy('test-tiny-unet', 'missing-shard');
    rmSync(join(dir, 'group1-shard1of1.bin'));
    await expect(tf.loadGraphModel(nodeFileHandler(join(dir, 'model.json')))).rejects.toThrow(
      /cannot read weight shard .*group1-shard1of1\.bin: ENOENT/,
    );
  });

  it('rejects a truncated shard', async () => {
    const dir = copy('test-tiny-unet', 'short-shard');
    truncateSync(join(dir, 'group1-shard1of1.bin'), 1000);
    await expect(tf.loadGraphModel(nodeFileHandler(join(dir, 'model.json')))).rejects.toThrow(
      /hold 1000 bytes but the manifest describes \d+/,
    );
  });

  it('rejects malformed model JSON', async () => {
    const dir = copy('test-tiny-unet', 'bad-json');
    writeFileSync(join(dir, 'model.json'), '{"format": "graph-model", ');
    await expect(tf.loadGraphModel(nodeFileHandler(join(dir, 'model.json')))).rejects.toThrow(ModelFileError);
    await expect(tf.loadGraphModel(nodeFileHandler(join(dir, 'model.json')))).rejects.toThrow(
      /is not valid JSON/,
    );
  });

  it('rejects JSON that is not a model', async () => {
    const dir = copy('test-tiny-unet', 'not-model');
    writeFileSync(join(dir, 'model.json'), '{"hello": 1}');
    await expect(tf.loadGraphModel(nodeFileHandler(join(dir, 'model.json')))).rejects.toThrow(
      /has no modelTopology/,
    );
  });

  it('names a missing model.json and card.json', async () => {
    await expect(tf.loadGraphModel(nodeFileHandler(join(tmp, 'nope', 'model.json')))).rejects.toThrow(
      /cannot read model JSON .*nope\/model\.json: ENOENT/,
    );
    await expect(readModelCard(join(tmp, 'nope'))).rejects.toThrow(/cannot read model card/);
  });

  it('honours an aborted signal', async () => {
    const ac = new AbortController();
    ac.abort();
    await expect(nodeFileHandler('models/test-pattern/model.json', ac.signal).load!()).rejects.toThrow(
      /abort/i,
    );
  });
});
