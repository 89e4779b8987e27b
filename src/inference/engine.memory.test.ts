// Leak check: TF.js's live tensor count and bytes stay flat over 1,000 patches, on every backend Node
// has, and a dispose gives every tensor back: the shipped models on wasm, the tiny test models (same
// kinds of ops) on the plain-JS cpu backend (the tiny U-Net; the tiny MRN's 1,000 on wasm are in model-loader.test.ts), where a shipped model would take many minutes.
// The 256 px inference tiles (the default) too, kept short here: the tiny U-Net over 125 tiles, the
// shipped models over 16. The 1,000 patches' worth at 256 px (63 tiles) on every browser backend
// (wasm, WebGL, WebGPU) is `npm run bench -- tensor-leak` (models/README "Inference tiles").

import { existsSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { createEngine } from './engine';
import { patchLength } from './model-spec';
import { loadModelDir } from './node/load-model-dir';

const RUNS = (
  [
    ['unet', 'wasm', 64, 1000],
    ['mrn-bilinear', 'wasm', 64, 1000],
    ['test-tiny-unet', 'cpu', 64, 1000],
    ['test-tiny-unet', 'wasm', 256, 125],
    ['unet', 'wasm', 256, 16],
    ['mrn-bilinear', 'wasm', 256, 16],
  ] as const
).filter(([m]) => existsSync(`models/${m}/card.json`));

describe.skipIf(RUNS.length === 0)('no tensor leaks over 1,000 patches', () => {
  for (const [id, backend, tileSize, PATCHES] of RUNS) {
    it(`${id} on ${backend}, ${tileSize} px tiles × ${PATCHES}`, { timeout: 300_000 }, async () => {
      const model = await loadModelDir(`models/${id}`, { tileSize });
      expect(model.tile.size).toBe(tileSize);
      await tf.setBackend(backend);
      const before = tf.memory().numTensors;
      const engine = createEngine({ backend, candidates: [backend], batchSize: 16 });
      await engine.load(model.artifacts, model.spec);
      const B = engine.batchSize;
      const inputs: Record<string, Float32Array> = {};
      for (const input of model.spec.inputs)
        inputs[input.name] = new Float32Array(B * patchLength(input)).map(
          (_, k) => (Math.sin(k * 0.37) + 1) / 2,
        );
      await engine.predict(inputs, B);
      const steady = tf.memory();
      const counts: number[] = [];
      for (let done = B; done < PATCHES; done += B) {
        await engine.predict(inputs, Math.min(B, PATCHES - done)); // the last one is a padded short batch
        counts.push(tf.memory().numTensors);
      }
      expect(new Set(counts)).toEqual(new Set([steady.numTensors]));
      expect(tf.memory().numBytes).toBe(steady.numBytes);
      engine.dispose();
      expect(tf.memory().numTensors).toBe(before);
    });
  }
});
