// The engine's flip averaging on a real (random-weight) U-Net, which is not flip-equivariant:
// flips = 2 must equal the mean of the plain run and the mirrored run mirrored back, computed here
// with plain arrays, not with the tf code under test.
import * as tf from '@tensorflow/tfjs';
import { afterEach, describe, expect, it } from 'vitest';
import { createEngine, type Engine } from './engine';
import { loadModelDir } from './node/load-model-dir';

/** NHWC batch mirrored left-right, patch by patch */
function mirror(data: Float32Array, batch: number, size: number, channels: number): Float32Array {
  const out = new Float32Array(data.length);
  for (let b = 0; b < batch; b++)
    for (let y = 0; y < size; y++)
      for (let x = 0; x < size; x++)
        for (let c = 0; c < channels; c++) {
          const from = ((b * size + y) * size + x) * channels + c;
          const to = ((b * size + y) * size + (size - 1 - x)) * channels + c;
          out[to] = data[from];
        }
  return out;
}

describe('engine flip averaging (wasm, test-tiny-unet)', () => {
  let engine: Engine | null = null;
  afterEach(() => {
    engine?.dispose();
    engine = null;
  });

  it('flips = 2 is the mean of the plain and the mirrored run; 1 is the plain run', async () => {
    const model = await loadModelDir('models/test-tiny-unet', { tileSize: 64 });
    engine = createEngine({ backend: 'wasm', batchSize: 2 });
    await engine.load(model.artifacts, model.spec);
    const input = model.spec.inputs[0];
    const size = input.size;
    const target = new Float32Array(2 * size * size * input.channels);
    // not symmetric in x: a ramp plus a pattern, different in each patch
    for (let i = 0; i < target.length; i++) target[i] = (((i * 7919) % 251) / 251 - 0.5) * 2;
    const out = model.spec.output.size;
    const plain = await engine.predict({ [input.name]: target }, 2);
    const mirrored = mirror(
      await engine.predict({ [input.name]: mirror(target, 2, size, input.channels) }, 2),
      2,
      out,
      1,
    );
    const two = await engine.predict({ [input.name]: target }, 2, undefined, 2);
    const one = await engine.predict({ [input.name]: target }, 2, undefined, 1);
    expect(Array.from(one)).toEqual(Array.from(plain));
    let maxDiff = 0;
    let moved = 0;
    for (let i = 0; i < two.length; i++) {
      maxDiff = Math.max(maxDiff, Math.abs(two[i] - (plain[i] + mirrored[i]) / 2));
      moved = Math.max(moved, Math.abs(two[i] - plain[i]));
    }
    expect(maxDiff).toBeLessThan(1e-5);
    // the model is not flip-equivariant, so the average differs from the plain run
    expect(moved).toBeGreaterThan(1e-4);
    await expect(engine.predict({ [input.name]: target }, 2, undefined, 3 as 2)).rejects.toThrow(/flips 3/);
    // no tensors left behind by the copies
    const before = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) await engine.predict({ [input.name]: target }, 2, undefined, 8);
    expect(tf.memory().numTensors).toBe(before);
  });
});
