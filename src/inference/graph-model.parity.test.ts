// Parity: every exported graph model (models/*/ with a card.json, plus any dirs in
// MRN_PARITY_DIRS) loaded by tfjs through the Node IO handler must reproduce the PyTorch outputs
// stored in its parity.json at export time. This checks the hand-written exporter end to end.

import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ModelCard, validateModelAgainstCard, validateOutputShape } from './model-card';
import { nodeFileHandler, readModelCard } from './node-model-io';

interface ParityFile {
  generator: 'sinusoid-v1';
  batch: number;
  inputs: { name: string; shape: [number, number, number, number] }[];
  output: { name: string; shape: number[]; data: string };
  quantization: 'none' | 'float16';
  tolerance: number;
}

/** Same closed form as training/export_tfjs.py parity_inputs ("sinusoid-v1"), input index k. */
function sinusoidInput(shape: [number, number, number, number], k: number, batch: number): Float32Array {
  const [n, hh, ww, cc] = shape;
  const out = new Float32Array(batch * hh * ww * cc); // rows past n stay 0 (padding to the fixed batch)
  let i = 0;
  for (let b = 0; b < n; b++)
    for (let h = 0; h < hh; h++)
      for (let w = 0; w < ww; w++)
        for (let c = 0; c < cc; c++) {
          out[i++] =
            Math.sin(0.37 * h * (c + 1) + 0.23 * w + 1.7 * b + 0.5 * k) *
            Math.cos(0.11 * w * (c + 2) - 0.19 * h + k);
        }
  return out;
}

function decodeF32(b64: string): Float32Array {
  const buf = Buffer.from(b64, 'base64');
  return new Float32Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength));
}

/** Model dirs to check: models/* with a card, and MRN_PARITY_DIRS (':'-separated model dirs or parents of them). */
function modelDirs(): string[] {
  const roots = [resolve('models'), ...(process.env.MRN_PARITY_DIRS ?? '').split(':').filter(Boolean)];
  const dirs: string[] = [];
  for (const root of roots) {
    if (!existsSync(root)) continue;
    if (existsSync(join(root, 'card.json'))) {
      dirs.push(resolve(root));
      continue;
    }
    for (const e of readdirSync(root, { withFileTypes: true })) {
      if (e.isDirectory() && existsSync(join(root, e.name, 'card.json'))) dirs.push(resolve(root, e.name));
    }
  }
  return [...new Set(dirs)].sort();
}

async function runParity(dir: string, backend: string) {
  if (tf.getBackend() !== backend)
    throw new Error(`expected the ${backend} backend, have ${tf.getBackend()}`);
  const card: ModelCard = await readModelCard(dir);
  const parity = JSON.parse(readFileSync(join(dir, card.parity.file), 'utf8')) as ParityFile;
  const model = await tf.loadGraphModel(nodeFileHandler(join(dir, card.format.modelFile)));
  try {
    validateModelAgainstCard(model, card);
    const batch = card.batchSize === -1 ? parity.batch : card.batchSize;
    const feeds: Record<string, tf.Tensor> = {};
    parity.inputs.forEach((inp, k) => {
      const [, h, w, c] = inp.shape;
      feeds[inp.name] = tf.tensor4d(sinusoidInput(inp.shape, k, batch), [batch, h, w, c]);
    });
    const y = (await model.executeAsync(feeds, card.output.name)) as tf.Tensor;
    validateOutputShape(y.shape, card, batch);
    const got = (await y.data()) as Float32Array;
    const want = decodeF32(parity.output.data);
    let maxErr = 0;
    for (let i = 0; i < want.length; i++) maxErr = Math.max(maxErr, Math.abs(got[i] - want[i]));
    tf.dispose([y, ...Object.values(feeds)]);
    return { card, parity, maxErr, n: want.length };
  } finally {
    model.dispose();
  }
}

const dirs = modelDirs();

describe('graph-model parity with PyTorch (cpu backend)', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });
  it('finds models to check', () => {
    expect(dirs.length).toBeGreaterThan(0);
  });
  for (const dir of dirs) {
    it(`${dir} matches PyTorch`, async () => {
      const { card, parity, maxErr, n } = await runParity(dir, 'cpu');
      console.info(
        `parity cpu ${card.id} (${parity.quantization}): max |Δ| = ${maxErr.toExponential(2)} over ${n}`,
      );
      expect(n).toBeGreaterThan(0);
      // fp32 exports must match to 1e-4; float16 exports to the tolerance stored at export
      expect(maxErr).toBeLessThanOrEqual(parity.quantization === 'none' ? 1e-4 : parity.tolerance);
    });
  }
});

// The wasm backend loads its .wasm from node_modules in Node; if it cannot start here, say so and skip.
let wasmReady = false;
try {
  await import('@tensorflow/tfjs-backend-wasm');
  const { setWasmPaths } = await import('@tensorflow/tfjs-backend-wasm');
  setWasmPaths(`${resolve('node_modules/@tensorflow/tfjs-backend-wasm/dist')}/`);
  wasmReady = await tf.setBackend('wasm');
} catch (e) {
  console.warn(`wasm backend unavailable in Node: ${(e as Error).message}`);
}

describe.skipIf(!wasmReady)('graph-model parity with PyTorch (wasm backend)', () => {
  beforeAll(async () => {
    await tf.setBackend('wasm');
  });
  afterAll(async () => {
    await tf.setBackend('cpu');
  });
  for (const dir of dirs) {
    it(`${dir} matches PyTorch`, async () => {
      const { card, parity, maxErr } = await runParity(dir, 'wasm');
      console.info(`parity wasm ${card.id} (${parity.quantization}): max |Δ| = ${maxErr.toExponential(2)}`);
      expect(maxErr).toBeLessThanOrEqual(parity.quantization === 'none' ? 1e-4 : parity.tolerance);
    });
  }
});
