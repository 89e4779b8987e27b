// npm run bench -- convert [--runs=3] [--batch=8] [--budget-ms=2000] [--backends=wasm,webgpu] [--no-inference]
// The ONNX → TF.js converter on the test networks (training/make_onnx_tests.py: the project's U-Net
// and MRN, the FPN/ASPP head, the grouped net, and the timm-encoder U-Net when timm is installed),
// each export of both torch exporters, in one run:
//  - conversion time (median of --runs, Node, tfjs cpu trace) and sizes (ONNX file, fp32 and fp16
//    weight shards, model.json), with graph node counts;
//  - in Chromium (the app, Vite-served): addModel with the .onnx URL (the converter in its worker
//    plus the warm-up check; the card asks for --batch patches a call, so the page converts at that
//    batch), then patches/s through mrnViewer.predict (the inference worker the heatmap uses) on
//    wasm and WebGPU (SwiftShader here), bench/convert-chromium.ts;
//  - PyTorch on the same weights (rebuilt from the export's seeds, checked against onnxruntime's
//    outputs of the export), the same input shapes and batch, default threads and one thread
//    (bench/torch_onnx_models.py); the ratio Chromium / PyTorch per export and backend.
// Logs on stderr, JSON on stdout; the load average at the start, between the halves and at the end.

import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { chromium } from '@playwright/test';
import config from '../playwright.config';
import { parseOnnx } from '../src/inference/onnx/onnx-model';
import { convertOnnx } from '../src/inference/onnx/onnx-to-tfjs';
import { startBenchServer } from './bench-server';
import { type PageCase, type PageRow, timeInPage } from './convert-chromium';
import { type TorchOnnxReport, timeTorchOnnxModels } from './torch-onnx-models';

const DIR = '.cache/onnx-bench';
const NETWORKS = ['unet', 'mrn-bilinear', 'fpn-aspp', 'grouped-net', 'timm-resnet10t-unet'];
const ROOT = path.resolve(import.meta.dirname, '..');
/** public/demo is served at /demo and ignored by git */
const SERVED = path.join(ROOT, 'public/demo/onnx-bench');

/** What the card says of each network's output (the graph cannot tell), as in e2e/onnx-parity. */
const OUTPUTS: Record<string, { channels: string[]; activation: string; applyActivation: boolean }> = {
  unet: { channels: ['tumour'], activation: 'sigmoid', applyActivation: false },
  'mrn-bilinear': { channels: ['tumour'], activation: 'sigmoid', applyActivation: false },
  'fpn-aspp': { channels: ['background', 'tumour'], activation: 'softmax', applyActivation: true },
  'grouped-net': { channels: ['tumour'], activation: 'sigmoid', applyActivation: false },
  'timm-resnet10t-unet': { channels: ['background', 'tumour'], activation: 'softmax', applyActivation: true },
};

function benchCard(model: string, inputs: number, batch: number): Record<string, unknown> {
  const out = OUTPUTS[model];
  return {
    schemaVersion: 2,
    batchSize: batch,
    name: `${model} (bench)`,
    testModel: true,
    inputs: [
      { role: 'target', mpp: 1, normalization: { kind: 'range', min: -1, max: 1 } },
      ...(inputs > 1 ? [{ role: 'context', mpp: 4, normalization: { kind: 'range', min: -1, max: 1 } }] : []),
    ],
    output: {
      channels: out.channels.map((name) => ({ name })),
      tumourChannel: 'tumour',
      activation: out.activation,
      applyActivation: out.applyActivation,
    },
    training: { data: 'none (random weights)' },
    intendedUse: 'Benchmark; not for diagnosis.',
  };
}

/** The Chromium half: one page, every export converted in it and timed on each backend. */
async function chromiumRows(
  cases: PageCase[],
  backends: string[],
  budgetMs: number,
  /** runs before each case's timing (PyTorch on the same network, so that both see the same load) */
  before: (c: PageCase) => void,
): Promise<PageRow[]> {
  const { vite, appUrl } = await startBenchServer({ cacheName: 'vite-bench-convert' });
  const chrome = await chromium.launch(config.use?.launchOptions);
  const rows: PageRow[] = [];
  try {
    // one untimed page that converts and runs the first export, so that Vite's dependency
    // optimisation of the app and of both workers (and the page reload it causes) is over before timing
    const warm = await chrome.newPage();
    await warm.goto(appUrl);
    await warm.waitForFunction(() => !!window.mrnViewer, undefined, { timeout: 180_000 });
    await timeInPage(warm, cases[0], backends, 0).catch(() => {});
    await warm.waitForTimeout(3000);
    await warm.waitForFunction(() => !!window.mrnViewer, undefined, { timeout: 180_000 });
    await timeInPage(warm, cases[0], backends, 0).catch(() => {});
    await warm.close();
    const context = await chrome.newContext();
    const page = await context.newPage();
    page.setDefaultTimeout(600_000);
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(appUrl);
    await page.waitForFunction(() => !!window.mrnViewer);
    for (const c of cases) {
      before(c);
      await page.waitForFunction(() => !!window.mrnViewer);
      const row = await timeInPage(page, c, backends, budgetMs);
      console.error(
        `chromium ${c.key}: addModel ${row.addModelMs} ms; ${row.speeds
          .map((s) => `${s.backend} ${s.patchesPerSecond ?? s.error} patches/s`)
          .join(', ')}${row.error ? ` (${row.error})` : ''}`,
      );
      rows.push(row);
    }
    if (errors.length) console.error(`page errors: ${errors.join('; ')}`);
    await context.close();
  } finally {
    await chrome.close();
    await vite.close();
  }
  return rows;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

export async function run(argv: string[]) {
  const { values } = parseArgs({
    args: argv,
    options: {
      runs: { type: 'string', default: '3' },
      'budget-ms': { type: 'string', default: '2000' },
      batch: { type: 'string', default: '8' },
      backends: { type: 'string', default: 'wasm,webgpu' },
      'no-inference': { type: 'boolean', default: false },
    },
    strict: false,
  });
  const runs = Math.max(1, Number(values.runs) || 3);
  const budgetMs = Math.max(200, Number(values['budget-ms']) || 2000);
  const backends = String(values.backends).split(',').filter(Boolean);
  const batch = Math.max(1, Number(values.batch) || 8);
  const load: Record<string, number[]> = { start: os.loadavg() };
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
  const rows: Record<string, unknown>[] = [];
  const cases: PageCase[] = [];
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
    rows.push({ key, ...row });
    cases.push({
      key,
      url: `/demo/onnx-bench/${e.onnx}`,
      card: benchCard(e.model, Object.keys(e.inputs).length, batch),
      // NCHW in the manifest → NHWC in the page, at the timed batch
      inputs: Object.fromEntries(
        Object.entries(e.inputs).map(([name, { shape }]) => [name, [batch, shape[2], shape[3], shape[1]]]),
      ),
    });
  }
  load.converted = os.loadavg();
  if (values['no-inference']) return { runs, loadAverage: load, rows };

  // the same weights in PyTorch and in Chromium, interleaved network by network (PyTorch just
  // before the network's exports run in the page), so that both halves see the same machine load
  const torch: TorchOnnxReport = { torch: '', threads: 0, settings: '', models: [] };
  const torchErrors: string[] = [];
  const loadByNetwork: Record<string, number[]> = {};
  mkdirSync(SERVED, { recursive: true });
  for (const e of Object.values(manifest))
    if (e.onnx && NETWORKS.includes(e.model)) copyFileSync(path.join(DIR, e.onnx), path.join(SERVED, e.onnx));
  const page = await chromiumRows(cases, backends, budgetMs, (c) => {
    const net = manifest[c.key].model;
    if (loadByNetwork[net]) return;
    loadByNetwork[net] = os.loadavg();
    try {
      const r = timeTorchOnnxModels(DIR, [net], budgetMs, batch);
      Object.assign(torch, { torch: r.torch, threads: r.threads, settings: r.settings });
      torch.models.push(...r.models);
    } catch (err) {
      torchErrors.push(`${net}: ${(err as Error).message}`);
    }
  });
  load.end = os.loadavg();
  for (const row of rows) {
    const p = page.find((x) => x.key === row.key);
    const t = torch.models.find((m) => m.model === row.model);
    const ratio = (a?: number, b?: number) => (a && b ? Number((a / b).toFixed(3)) : null);
    Object.assign(row, {
      chromium: p ?? null,
      torch: t ?? null,
      loadAverageBefore: loadByNetwork[String(row.model)] ?? null,
      // Chromium patches/s over PyTorch's (default threads; one thread), per backend
      ratioToTorch: Object.fromEntries(
        (p?.speeds ?? []).map((s) => [
          s.backend,
          {
            defaultThreads: ratio(s.patchesPerSecond, t?.patchesPerSecond),
            oneThread: ratio(s.patchesPerSecond, t?.oneThreadPatchesPerSecond),
          },
        ]),
      ),
    });
  }
  console.error(
    'export                       convert  page-add   wasm p/s   webgpu p/s  torch p/s (1 thr)  wasm/torch (1 thr)',
  );
  for (const r of rows) {
    const p = page.find((x) => x.key === r.key);
    const t = torch.models.find((m) => m.model === r.model);
    const sp = (b: string) => p?.speeds.find((x) => x.backend === b);
    const wasm = sp('wasm')?.patchesPerSecond;
    console.error(
      [
        String(r.key).padEnd(28),
        `${r.convertMs} ms`.padStart(8),
        `${p?.addModelMs ?? '-'} ms`.padStart(9),
        String(wasm ?? '-').padStart(10),
        String(sp('webgpu')?.patchesPerSecond ?? '-').padStart(12),
        `${t?.patchesPerSecond ?? '-'} (${t?.oneThreadPatchesPerSecond ?? '-'})`.padStart(18),
        `${wasm && t?.patchesPerSecond ? (wasm / t.patchesPerSecond).toFixed(2) : '-'} (${
          wasm && t?.oneThreadPatchesPerSecond ? (wasm / t.oneThreadPatchesPerSecond).toFixed(3) : '-'
        })`.padStart(18),
      ].join(' '),
    );
  }
  return {
    runs,
    batch,
    budgetMs,
    backends,
    loadAverage: load,
    cpus: os.cpus().length,
    torch: { version: torch.torch, threads: torch.threads, settings: torch.settings },
    torchErrors,
    rows,
  };
}
