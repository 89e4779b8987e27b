// Test helper: ONNX models built by training/make_onnx_tests.py (torch.onnx.export, both exporters,
// or onnx.helper for attributes PyTorch never emits), with onnxruntime's outputs on random inputs,
// converted here and run in Node TF.js (cpu). Each test file has its own cache folder
// (.cache/onnx-tests/<group>) so that files running in parallel never write the same manifest.
// Without PyTorch / onnx / onnxruntime, `ready` is false and the tests skip.

import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { type OnnxModel, parseOnnx } from './onnx-model';
import { type ConvertedModel, convertOnnx } from './onnx-to-tfjs';

export interface ManifestEntry {
  model: string;
  exporter: string;
  onnx?: string;
  error?: string;
  inputs: Record<string, { file: string; shape: number[] }>;
  output: { file: string; shape: number[] };
}

export interface ParityResult {
  maxDiff: number;
  onnx: OnnxModel;
  converted: ConvertedModel;
  /** TF op names in the converted graph, with counts */
  graphOps: Record<string, number>;
}

export const hasOnnxPython = (() => {
  try {
    execFileSync('python3', ['-c', 'import torch, onnx, onnxruntime'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

/** Builds (or reuses) the named models for one test file; synchronous, at collection time. */
export function onnxCases(group: string, names: string[]) {
  const dir = join('.cache/onnx-tests', group);
  let manifest: Record<string, ManifestEntry> = {};
  if (hasOnnxPython) {
    execFileSync('python3', ['-m', 'training.make_onnx_tests', '--out', dir, '--only', names.join(',')], {
      stdio: ['ignore', 'ignore', 'inherit'],
      timeout: 600_000,
    });
    manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8'));
  }
  const f32 = (file: string) => {
    const b = readFileSync(join(dir, file));
    return new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
  };
  /** Every manifest key (name.exporter) of the given model names. */
  const keys = (...models: string[]) =>
    Object.keys(manifest).filter((k) => models.length === 0 || models.includes(manifest[k].model));
  const onnxFile = (key: string) => join(dir, manifest[key].onnx!);

  async function parity(key: string): Promise<ParityResult> {
    const e = manifest[key];
    if (!e) throw new Error(`${key}: not in ${dir}/manifest.json`);
    if (e.error || !e.onnx) throw new Error(`${key}: export failed (${e.error})`);
    if (!existsSync(onnxFile(key))) throw new Error(`${key}: ${onnxFile(key)} is missing`);
    await tf.setBackend('cpu');
    const onnx = parseOnnx(new Uint8Array(readFileSync(onnxFile(key))));
    const converted = await convertOnnx(onnx, { batch: Object.values(e.inputs)[0].shape[0] });
    const graph = await tf.loadGraphModel(
      tf.io.fromMemory({
        modelTopology: converted.modelJson.modelTopology as tf.io.ModelArtifacts['modelTopology'],
        weightSpecs: (converted.modelJson.weightsManifest as { weights: tf.io.WeightsManifestEntry[] }[])[0]
          .weights,
        weightData: converted.weights.buffer as ArrayBuffer,
        signature: converted.modelJson.signature as object,
      }),
    );
    const feeds: Record<string, tf.Tensor> = {};
    for (const [name, inp] of Object.entries(e.inputs))
      feeds[name] = tf.transpose(tf.tensor(f32(inp.file), inp.shape), [0, 2, 3, 1]);
    let y = graph.execute(feeds, converted.outputs[0].name) as tf.Tensor;
    if (y.rank === 4) y = tf.transpose(y, [0, 3, 1, 2]);
    if (JSON.stringify(y.shape) !== JSON.stringify(e.output.shape))
      throw new Error(`${key}: output shape ${y.shape}, onnxruntime ${e.output.shape}`);
    const ref = f32(e.output.file);
    const got = await y.data();
    let maxDiff = 0;
    let nan = false;
    for (let i = 0; i < ref.length; i++) {
      const d = Math.abs(Number(got[i]) - ref[i]);
      if (Number.isNaN(d)) nan = true;
      else maxDiff = Math.max(maxDiff, d);
    }
    if (nan) maxDiff = Number.NaN; // fails every ≤ check
    graph.dispose();
    tf.dispose([y, ...Object.values(feeds)]);
    const graphOps: Record<string, number> = {};
    for (const n of (converted.modelJson.modelTopology as { node: { op: string }[] }).node)
      graphOps[n.op] = (graphOps[n.op] ?? 0) + 1;
    return { maxDiff, onnx, converted, graphOps };
  }

  /** The attributes of the ONNX nodes of one op type, as the file has them. */
  const attrsOf = (r: ParityResult, opType: string) =>
    r.onnx.nodes.filter((n) => n.opType === opType).map((n) => n.attrs);

  return { ready: hasOnnxPython, dir, manifest, keys, parity, attrsOf, onnxFile };
}

/** The manifest keys of a model under both torch exporters. */
export const bothExporters = (name: string) => [`${name}.legacy`, `${name}.dynamo`];

/** ONNX's stated bound for the converter: max |Δ| of the outputs against onnxruntime. */
export const PARITY_TOLERANCE = 1e-4;
