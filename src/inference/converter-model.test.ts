// A graph model made by the official TensorFlow.js converter (not our hand-written exporter) loads
// through the project's loader: handtrackjs 0.1.5 ships an SSD hand detector converted by
// "TensorFlow.js Converter v3.5.0", as float32 in 3 shards, float16 and uint8-quantised.
// This checks nodeFileHandler (multi-shard concatenation, quantised weight sizes) and that
// loadModelWith + the engine reject it clearly when a card claims it is a segmentation model.

import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEngine } from './engine';
import { type ModelCard, parseModelCard } from './model-card';
import { loadModelWith } from './model-loader';
import { nodeFileHandler } from './node/node-model-io';

const ROOT = resolve('node_modules/handtrackjs/models/webmodel/ssd320fpnlite');
const VARIANTS = ['base', 'fp16', 'int8'] as const;
const present = existsSync(join(ROOT, 'base', 'model.json'));

/** A hand image stand-in: a deterministic 96×96 RGB pattern, uint8 values as int32. */
function image(): tf.Tensor4D {
  const n = 96 * 96 * 3;
  const data = new Int32Array(n);
  for (let i = 0; i < n; i++) data[i] = (i * 2654435761) % 251;
  return tf.tensor4d(data, [1, 96, 96, 3], 'int32');
}

describe.skipIf(!present)('converter-made graph model (handtrackjs) through the Node loader', () => {
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
        weightsManifest: unknown[];
      };
      expect(json.convertedBy).toMatch(/TensorFlow\.js Converter/);
      const model = await tf.loadGraphModel(nodeFileHandler(path));
      try {
        expect(model.inputs.map((i) => i.name)).toEqual(['input_tensor']);
        expect(model.outputs.length).toBeGreaterThan(1);
        const x = image();
        // the detection scores output (Identity_4:0 = detection_scores in the TF OD API signature)
        const y = (await model.executeAsync({ input_tensor: x }, 'Identity_4:0')) as tf.Tensor;
        expect(y.shape[0]).toBe(1);
        const scores = (await y.data()) as Float32Array;
        expect(scores.length).toBeGreaterThan(0);
        expect(scores.every((v) => Number.isFinite(v) && v >= 0 && v <= 1)).toBe(true);
        outputs[variant] = scores;
        console.info(
          `handtrack ${variant}: top scores ${[...scores.subarray(0, 3)].map((v) => v.toFixed(4)).join(', ')}`,
        );
        tf.dispose([x, y]);
      } finally {
        model.dispose();
      }
    });
  }

  it('decodes float16 and uint8 weights to nearly the float32 results', () => {
    if (!outputs.base || !outputs.fp16 || !outputs.int8) throw new Error('the load tests did not run');
    expect(outputs.base[0]).toBeGreaterThan(0.05); // a real detection score, not an all-zero output
    const maxDiff = (a: Float32Array, b: Float32Array) =>
      a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i])), 0);
    // scores are sorted detections; the top one is what matters and is stable across quantisations
    expect(Math.abs(outputs.fp16[0] - outputs.base[0])).toBeLessThan(0.01);
    expect(Math.abs(outputs.int8[0] - outputs.base[0])).toBeLessThan(0.1);
    expect(maxDiff(outputs.fp16.subarray(0, 5), outputs.base.subarray(0, 5))).toBeLessThan(0.02);
  });

  it('is rejected with a clear error when a card calls it a segmentation model', async () => {
    const card: ModelCard = parseModelCard({
      schemaVersion: 1,
      id: 'handtrack-as-unet',
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
