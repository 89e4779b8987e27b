// Parity of the ONNX → TF.js converter against onnxruntime: models built by
// training/make_onnx_tests.py (both torch.onnx exporters, random weights) into .cache/onnx-tests
// (ignored; made here when missing, skipped without PyTorch/onnxruntime). Each converted graph runs
// in Node TF.js (cpu) on the same inputs; max |Δ| ≤ 1e-4.

import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { OnnxError, parseOnnx } from './onnx-model';
import { convertOnnx } from './onnx-to-tfjs';

const DIR = '.cache/onnx-tests';
const hasPython = (() => {
  try {
    execFileSync('python3', ['-c', 'import torch, onnx, onnxruntime'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

interface Entry {
  model: string;
  exporter: string;
  onnx?: string;
  error?: string;
  inputs: Record<string, { file: string; shape: number[] }>;
  output: { file: string; shape: number[] };
}

const f32 = (file: string) => {
  const b = readFileSync(join(DIR, file));
  return new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
};

describe.skipIf(!hasPython)('ONNX → TF.js converter parity with onnxruntime', () => {
  let manifest: Record<string, Entry> = {};
  beforeAll(async () => {
    execFileSync('python3', ['-m', 'training.make_onnx_tests', '--out', DIR], {
      stdio: 'inherit',
      timeout: 600_000,
    });
    manifest = JSON.parse(readFileSync(join(DIR, 'manifest.json'), 'utf8'));
    await tf.setBackend('cpu');
  }, 600_000);

  it('converts every exported test model to within 1e-4 of onnxruntime', { timeout: 600_000 }, async () => {
    const rows: string[] = [];
    const failures: string[] = [];
    for (const [key, e] of Object.entries(manifest)) {
      if (e.error || !e.onnx) {
        rows.push(`${key}: export failed in torch (${e.error?.slice(0, 80)})`);
        continue;
      }
      try {
        const model = parseOnnx(new Uint8Array(readFileSync(join(DIR, e.onnx))));
        const batch = Object.values(e.inputs)[0].shape[0];
        const out = await convertOnnx(model, { batch });
        const graph = await tf.loadGraphModel(
          tf.io.fromMemory({
            modelTopology: out.modelJson.modelTopology as tf.io.ModelArtifacts['modelTopology'],
            weightSpecs: (out.modelJson.weightsManifest as { weights: tf.io.WeightsManifestEntry[] }[])[0]
              .weights,
            weightData: out.weights.buffer as ArrayBuffer,
            signature: out.modelJson.signature as object,
          }),
        );
        const feeds: Record<string, tf.Tensor> = {};
        for (const [name, inp] of Object.entries(e.inputs))
          feeds[name] = tf.transpose(tf.tensor(f32(inp.file), inp.shape), [0, 2, 3, 1]);
        let y = graph.execute(feeds, out.outputs[0].name) as tf.Tensor;
        if (y.rank === 4) y = tf.transpose(y, [0, 3, 1, 2]);
        expect(y.shape).toEqual(e.output.shape);
        const ref = f32(e.output.file);
        const got = await y.data();
        let maxDiff = 0;
        for (let i = 0; i < ref.length; i++) maxDiff = Math.max(maxDiff, Math.abs(got[i] - ref[i]));
        rows.push(`${key}: max |Δ| ${maxDiff.toExponential(2)} (${Object.keys(out.ops).join(' ')})`);
        if (!(maxDiff <= 1e-4)) failures.push(`${key}: max |Δ| ${maxDiff}`);
        graph.dispose();
        tf.dispose([y, ...Object.values(feeds)]);
      } catch (err) {
        failures.push(`${key}: ${(err as Error).message}`);
      }
    }
    console.info(rows.join('\n'));
    expect(failures).toEqual([]);
  });

  it('rejects truncated and non-ONNX files clearly', () => {
    expect(() => parseOnnx(new TextEncoder().encode('{"not": "onnx"}'))).toThrow(OnnxError);
    const bytes = readFileSync(join(DIR, manifest['unet.legacy'].onnx!));
    expect(() => parseOnnx(new Uint8Array(bytes.subarray(0, bytes.length >> 1)))).toThrow(
      /not an ONNX model|truncated/,
    );
    expect(() => parseOnnx(new Uint8Array(bytes), { maxBytes: 1000 })).toThrow(/over the 0 MiB cap/);
  });
});
