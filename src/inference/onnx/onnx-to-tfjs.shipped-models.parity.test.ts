// One converter (issue 12 §2): shipped models (models/unet, models/mrn-bilinear: written by the
// hand-written GraphDef exporter) go PyTorch → ONNX → this converter and reproduce their folder's
// parity.json (PyTorch's outputs on stored real patches, fp32, ≤ 1e-4), under both exporters.
// training/shipped_to_onnx.py recovers each PyTorch module from the folder's own weights (the
// checkpoints are not in the repository) and checks it against parity.json before exporting.

import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { parseOnnx } from './onnx-model';
import { hasOnnxPython, PARITY_TOLERANCE } from './onnx-parity.fixture';
import { convertOnnx } from './onnx-to-tfjs';

const OUT = '.cache/onnx-tests/shipped';
const MODELS = ['unet', 'mrn-bilinear'];

const f32 = (b64: string) => {
  const b = Buffer.from(b64, 'base64');
  return new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
};

interface Parity {
  inputs: { name: string; shape: number[]; data: string }[];
  output: { shape: number[]; data: string };
}

describe.skipIf(!hasOnnxPython)('shipped models through PyTorch → ONNX → this converter', () => {
  for (const id of MODELS)
    it(`${id}: both exporters reproduce models/${id}/parity.json`, { timeout: 600_000 }, async () => {
      // the report is the last line on stdout (torch.onnx prints its progress there too)
      const stdout = execFileSync(
        'python3',
        ['-m', 'training.shipped_to_onnx', `models/${id}`, '--out', OUT],
        {
          encoding: 'utf8',
          stdio: ['ignore', 'pipe', 'ignore'],
          timeout: 600_000,
        },
      );
      const report = JSON.parse(stdout.trim().split('\n').at(-1)!);
      expect(report.torchMaxDiff).toBeLessThanOrEqual(1e-5); // the recovered module is the shipped one
      const parity = JSON.parse(readFileSync(`models/${id}/parity.json`, 'utf8')) as Parity;
      const handWritten = JSON.parse(readFileSync(`models/${id}/model.json`, 'utf8'));
      await tf.setBackend('cpu');
      for (const exporter of ['legacy', 'dynamo']) {
        const converted = await convertOnnx(
          parseOnnx(new Uint8Array(readFileSync(join(OUT, report.files[exporter])))),
          {
            batch: report.batch,
          },
        );
        const graph = await tf.loadGraphModel(
          tf.io.fromMemory({
            modelTopology: converted.modelJson.modelTopology as tf.io.ModelArtifacts['modelTopology'],
            weightSpecs: (
              converted.modelJson.weightsManifest as { weights: tf.io.WeightsManifestEntry[] }[]
            )[0].weights,
            weightData: converted.weights.buffer as ArrayBuffer,
          }),
        );
        const feeds: Record<string, tf.Tensor> = {};
        for (const inp of parity.inputs) {
          const [, h, w, c] = inp.shape;
          const padded = new Float32Array(report.batch * h * w * c);
          padded.set(f32(inp.data));
          feeds[inp.name] = tf.tensor4d(padded, [report.batch, h, w, c]);
        }
        const y = graph.execute(feeds, converted.outputs[0].name) as tf.Tensor;
        const got = await y.data();
        const ref = f32(parity.output.data); // NHWC, the first n patches
        let max = 0;
        for (let i = 0; i < ref.length; i++) max = Math.max(max, Math.abs(got[i] - ref[i]));
        const nodes = (converted.modelJson.modelTopology as { node: unknown[] }).node.length;
        console.info(
          `${id}.${exporter}: max |Δ| vs parity.json ${max.toExponential(2)}; ${nodes} graph nodes (hand-written exporter: ${handWritten.modelTopology.node.length})`,
        );
        expect(max).toBeLessThanOrEqual(PARITY_TOLERANCE);
        expect(converted.weights.byteLength).toBeLessThanOrEqual(
          readFileSync(`models/${id}/group1-shard1of1.bin`).byteLength * 1.01,
        );
        graph.dispose();
        tf.dispose([y, ...Object.values(feeds)]);
      }
    });
});
