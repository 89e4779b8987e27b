// npm run bench -- convert: the ONNX → TF.js converter on the test networks (training/
// make_onnx_tests.py: the project's U-Net and MRN, the FPN/ASPP head, the grouped net, and the
// timm-encoder U-Net when timm is installed), each export of both torch exporters: conversion time
// (median of --runs, Node, tfjs cpu trace) and sizes (ONNX file, fp32 and fp16 weight shards,
// model.json), with graph node counts. Logs on stderr, JSON on stdout.

import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { parseOnnx } from '../src/inference/onnx/onnx-model';
import { convertOnnx } from '../src/inference/onnx/onnx-to-tfjs';

const DIR = '.cache/onnx-bench';
const NETWORKS = ['unet', 'mrn-bilinear', 'fpn-aspp', 'grouped-net', 'timm-resnet10t-unet'];

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

export async function run(argv: string[]) {
  const { values } = parseArgs({
    args: argv,
    options: { runs: { type: 'string', default: '3' } },
    strict: false,
  });
  const runs = Math.max(1, Number(values.runs) || 3);
  console.error(`bench convert: exporting ${NETWORKS.join(', ')} (both exporters) into ${DIR}`);
  execFileSync('python3', ['-m', 'training.make_onnx_tests', '--out', DIR, '--only', NETWORKS.join(',')], {
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const manifest = JSON.parse(readFileSync(path.join(DIR, 'manifest.json'), 'utf8')) as Record<
    string,
    {
      model: string;
      exporter: string;
      onnx?: string;
      error?: string;
      inputs: Record<string, { shape: number[] }>;
    }
  >;
  const rows = [];
  for (const [key, e] of Object.entries(manifest)) {
    if (!NETWORKS.includes(e.model)) continue;
    if (e.error || !e.onnx) {
      console.error(`${key}: not exported (${e.error})`);
      rows.push({ model: e.model, exporter: e.exporter, error: e.error ?? 'no file' });
      continue;
    }
    const bytes = new Uint8Array(readFileSync(path.join(DIR, e.onnx)));
    const batch = Object.values(e.inputs)[0].shape[0];
    const ms: number[] = [];
    let fp32 = 0;
    let modelJson = 0;
    let nodes = 0;
    let onnxNodes = 0;
    for (let k = 0; k < runs; k++) {
      const t0 = performance.now();
      const model = parseOnnx(bytes);
      const out = await convertOnnx(model, { batch });
      ms.push(performance.now() - t0);
      fp32 = out.weights.byteLength;
      modelJson = JSON.stringify(out.modelJson).length;
      nodes = (out.modelJson.modelTopology as { node: unknown[] }).node.length;
      onnxNodes = model.nodes.length;
    }
    const fp16 = (await convertOnnx(parseOnnx(bytes), { batch, float16: true })).weights.byteLength;
    const row = {
      model: e.model,
      exporter: e.exporter,
      onnxBytes: bytes.byteLength,
      onnxNodes,
      graphNodes: nodes,
      convertMs: Math.round(median(ms)),
      convertMsAll: ms.map(Math.round),
      weightBytes: fp32,
      weightBytesFp16: fp16,
      modelJsonBytes: modelJson,
    };
    console.error(
      `${key}: ${row.convertMs} ms, ${bytes.byteLength} B onnx → ${fp32} B weights (${fp16} fp16)`,
    );
    rows.push(row);
  }
  return { runs, loadAverage1m: (await import('node:os')).loadavg()[0], rows };
}
