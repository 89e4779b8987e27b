// A graph model made by the official TensorFlow.js converter (not our hand-written exporter) loads
// through the project's loader. The fixture (src/inference/fixtures/tfjs-converter/) is cut out of
// real converter output ("TensorFlow.js Converter v3.5.0": handtrackjs 0.1.5's SSD MobileNetV2
// hand detector, MIT) by scripts/fixtures/cut-converter-fixture.py: its first four convolutions
// with the converter's own nodes, manifest entries and weight bytes, as float32 in 3 shards,
// float16 in 2 and uint8-quantised ({dtype, min, scale}) in 1.
// This checks nodeFileHandler (multi-shard concatenation, quantised weight sizes), TF.js's
// dequantisation of what the converter wrote, and that loadModelWith + the engine reject the
// model clearly when a card claims it is a segmentation model.

import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEngine } from './engine';
import { type ModelCard, parseModelCard } from './model-card';
import { loadModelWith } from './model-loader';
import { nodeFileHandler } from './node/node-model-io';

const ROOT = resolve('src/inference/fixtures/tfjs-converter');
const VARIANTS = ['base', 'fp16', 'int8'] as const;
const SHARDS = { base: 3, fp16: 2, int8: 1 };
const STORED = { base: undefined, fp16: 'float16', int8: 'uint8' };

/** An image stand-in: a deterministic 32×32 RGB pattern in [-1, 1], as MobileNetV2 expects. */
function image(): tf.Tensor4D {
  const n = 32 * 32 * 3;
  const data = new Float32Array(n);
  for (let i = 0; i < n; i++) data[i] = ((i * 2654435761) % 251) / 125 - 1;
  return tf.tensor4d(data, [1, 32, 32, 3]);
}

describe('official-converter graph model through the Node loader', () => {
  const outputs: Record<string, Float32Array> = {};
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });
  afterAll(() => {
    tf.disposeVariables();
  });

  for (const variant of VARIANTS) {
    it(`loads and runs the ${variant} export`, { timeout: 60_000 }, async () => {
      const path = join(ROOT, variant, 'model.json');
      const json = JSON.parse(readFileSync(path, 'utf8')) as {
        convertedBy: string;
        weightsManifest: { paths: string[]; weights: { quantization?: { dtype: string } }[] }[];
      };
      expect(json.convertedBy).toMatch(/TensorFlow\.js Converter/);
      expect(json.weightsManifest[0].paths).toHaveLength(SHARDS[variant]);
      expect(json.weightsManifest[0].weights.map((w) => w.quantization?.dtype)).toEqual(
        json.weightsManifest[0].weights.map(() => STORED[variant]),
      );
      const model = await tf.loadGraphModel(nodeFileHandler(path));
      try {
        expect(model.inputs.map((i) => i.name)).toEqual(['input_tensor']);
        const x = image();
        const y = model.execute({ input_tensor: x }) as tf.Tensor;
        // stride 2, then 96 channels out of block_1_expand
        expect(y.shape).toEqual([1, 16, 16, 96]);
        const values = (await y.data()) as Float32Array;
        expect(values.every((v) => Number.isFinite(v) && v >= 0 && v <= 6)).toBe(true); // Relu6
        outputs[variant] = values;
        tf.dispose([x, y]);
      } finally {
        model.dispose();
      }
    });
  }

  it('decodes float16 and uint8 weights to nearly the float32 results', () => {
    if (!outputs.base || !outputs.fp16 || !outputs.int8) throw new Error('the load tests did not run');
    const base = outputs.base;
    const active = base.filter((v) => v > 0.01).length;
    expect(active / base.length).toBeGreaterThan(0.05); // real features, not an all-zero output
    const meanAbsDiff = (a: Float32Array) => a.reduce((m, v, i) => m + Math.abs(v - base[i]), 0) / a.length;
    const meanAbs = base.reduce((m, v) => m + Math.abs(v), 0) / base.length;
    expect(meanAbsDiff(outputs.fp16)).toBeLessThan(0.01 * meanAbs);
    expect(meanAbsDiff(outputs.int8)).toBeLessThan(0.15 * meanAbs);
    // quantisation changes the numbers: a loader that ignored it would read garbage or the same bytes
    expect(meanAbsDiff(outputs.int8)).toBeGreaterThan(0);
  });

  it('is rejected with a clear error when a card calls it a segmentation model', async () => {
    const card: ModelCard = parseModelCard({
      schemaVersion: 1,
      id: 'converter-as-unet',
      name: 'mislabelled',
      description: '',
      testModel: true,
      architecture: 'unet',
      upsampling: 'none',
      config: {},
      params: 0,
      inputs: [
        {
          name: 'target',
          role: 'target',
          size: 64,
          mpp: 1,
          channels: 3,
          normalization: { scale: 1, mean: [0, 0, 0], std: [1, 1, 1] },
        },
      ],
      output: { name: 'probability', size: 64, mpp: 1, channels: 1, activation: 'sigmoid' },
      batchSize: 1,
      format: { modelFile: 'model.json', weightFiles: ['group1-shard1of1.bin'], layout: 'NHWC' },
      quantization: 'none',
      training: null,
      metrics: null,
      intendedUse: 'test',
      parity: { file: 'parity.json', float16RoundTripMaxAbsError: 0 },
      exportedAt: '2026-01-01T00:00:00Z',
    });
    const loaded = await loadModelWith(nodeFileHandler(join(ROOT, 'int8', 'model.json')), card);
    expect(loaded.artifacts.weightData).toBeDefined();
    const engine = createEngine({ backend: 'cpu', candidates: ['cpu'], batchSize: 1 });
    try {
      await expect(engine.load(loaded.artifacts, loaded.spec)).rejects.toThrow(
        /does not match its card: model has no input 'target' \(has input_tensor/,
      );
    } finally {
      engine.dispose();
    }
  });
});
