// npm run bench -- models [--models=a,b] [--include-test-models] [--budget-ms=2000] [--no-browser]
//                         [--no-torch] [--backends=wasm,cpu,webgpu,webgl,browser-wasm]
//                         [--browser-cap-ms=20000] [--models-dir=DIR] [--checkpoints=DIR]
// (use --opt=value: bench/index.ts takes bare words for suite names)
// Inference speed of each shipped model, in one run, on the same weights and inputs:
//  - tfjs in Node through the app's engine: wasm and cpu backends;
//  - tfjs in Chromium through the app's engine (bench/models-page.ts in the Vite-served app):
//    webgpu, webgl, wasm (this machine has no GPU: WebGPU/WebGL run on SwiftShader, on the CPU);
//  - PyTorch (CPU, 2 threads) on the training checkpoint training/work/checkpoints/<id>.pt.
// Prints patches/s, ratios to PyTorch, FLOPs per patch (PyTorch's FlopCounterMode: conv,
// transposed conv, matmul; 2 FLOPs per multiply-add) and the FLOP/s each runtime achieved, plus
// the max |Δ| between each runtime's outputs and PyTorch's (a wrong-weights guard).

import { readFileSync } from 'node:fs';
import path from 'node:path';
import { chromium } from '@playwright/test';
import * as tf from '@tensorflow/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import config from '../playwright.config';
import { createEngine } from '../src/inference/engine';
import type { ModelCard } from '../src/inference/model-card';
import { loadModelWith } from '../src/inference/model-loader';
import { pickModels } from '../src/inference/node/model-dirs';
import { nodeFileHandler } from '../src/inference/node/node-model-io';
import { startBenchServer } from './bench-server';
import { benchInputs, type EngineTiming, timeEngine } from './models-timing';
import { type TorchResult, timeTorch } from './torch-timing';

const ROOT = path.resolve(import.meta.dirname, '..');
const BROWSER_BACKENDS = ['webgpu', 'webgl', 'wasm'] as const;

function option(args: string[], name: string): string | undefined {
  const i = args.findIndex((a) => a === `--${name}` || a.startsWith(`--${name}=`));
  if (i < 0) return undefined;
  return args[i].includes('=') ? args[i].split('=').slice(1).join('=') : args[i + 1];
}

/** The real input patches stored in parity.json ("stored-v1"), by input name; null for sinusoid-v1. */
function storedInputs(dir: string, card: ModelCard): Record<string, Float32Array> | null {
  const parity = JSON.parse(readFileSync(path.join(dir, card.parity?.file ?? 'parity.json'), 'utf8')) as {
    generator: string;
    inputs: { name: string; data?: string }[];
  };
  if (parity.generator !== 'stored-v1') return null;
  const out: Record<string, Float32Array> = {};
  for (const inp of parity.inputs) {
    const buf = Buffer.from(inp.data ?? '', 'base64');
    out[inp.name] = new Float32Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength));
  }
  return out;
}

const storedAsArrays = (dir: string, card: ModelCard) => {
  const s = storedInputs(dir, card);
  return s ? Object.fromEntries(Object.entries(s).map(([k, v]) => [k, Array.from(v)])) : null;
};

/** URL of a model directory on the bench's Vite server (outside the root through /@fs/). */
function modelUrl(base: string, dir: string): string {
  const rel = path.relative(ROOT, dir);
  return rel.startsWith('..') || path.isAbsolute(rel) ? `${base}@fs${dir}/` : `${base}${rel}/`;
}

const maxAbsDiff = (a: number[] | null | undefined, b: number[] | null | undefined) =>
  a && b ? a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i])), 0) : null;

export async function run(args: string[]) {
  const budgetMs = Number(option(args, 'budget-ms') ?? 2000);
  const ids = option(args, 'models')?.split(',').filter(Boolean);
  const includeTest = args.includes('--include-test-models');
  const backends = (option(args, 'backends') ?? 'wasm,cpu,webgpu,webgl,browser-wasm').split(',');
  const withBrowser =
    !args.includes('--no-browser') && backends.some((b) => b.startsWith('web') || b === 'browser-wasm');
  const withTorch = !args.includes('--no-torch');
  const capMs = Number(option(args, 'browser-cap-ms') ?? 20000);
  const modelsDir = path.resolve(ROOT, option(args, 'models-dir') ?? 'models');
  const checkpoints = path.resolve(ROOT, option(args, 'checkpoints') ?? 'training/work/checkpoints');
  const models = await pickModels(modelsDir, { ids, includeTest });
  if (models.length === 0)
    throw new Error(
      'no trained models in models/ (train them: bash training/train-all.sh), or pass --include-test-models',
    );
  const t0 = performance.now();

  // PyTorch first, while nothing else holds the cores
  const torch = new Map<string, TorchResult>();
  if (withTorch) {
    for (const t of timeTorch(models, checkpoints, budgetMs)) torch.set(t.id, t);
  }

  // tfjs in Node, through the app's engine
  const node = new Map<string, EngineTiming[]>();
  setWasmPaths(`${path.join(ROOT, 'node_modules/@tensorflow/tfjs-backend-wasm/dist')}/`);
  for (const m of models) {
    const loaded = await loadModelWith(nodeFileHandler(path.join(m.dir, m.card.format.modelFile)), m.card);
    const rows: EngineTiming[] = [];
    for (const backend of (['wasm', 'cpu'] as const).filter((b) => backends.includes(b))) {
      const engine = createEngine({ backend, candidates: [backend], timingRuns: 1, timingBudgetMs: 0 });
      try {
        const decision = await engine.load(loaded.artifacts, loaded.spec);
        // the engine timed one batch while loading: a slow backend (cpu) is timed once more only
        const own = decision.timings.find((t) => t.backend === backend && t.ok)?.msPerBatch ?? 0;
        const feeds = benchInputs(loaded.spec, engine.batchSize, storedInputs(m.dir, m.card));
        rows.push(await timeEngine(engine, backend, feeds, budgetMs, own > budgetMs ? 1 : 2));
      } finally {
        engine.dispose();
      }
    }
    node.set(m.id, rows);
  }

  // tfjs in Chromium, through the same engine in the Vite-served app
  type Failed = { backend: string; error: string; patchesPerSecondBelow?: number };
  const browser = new Map<string, (EngineTiming | Failed)[]>();
  if (withBrowser) {
    // A bare Vite server on the project root (models/ is served as static files). The app's config
    // keeps tfjs-backend-wasm out of dependency pre-bundling, which breaks its CommonJS worker
    // module when imported on a page's main thread; pre-bundled, it loads in pages and workers.
    const { vite, appUrl } = await startBenchServer({ page: 'bench/models-page.ts', allow: [modelsDir] });
    const chrome = await chromium.launch(config.use?.launchOptions);
    try {
      const page = await chrome.newPage();
      page.on('pageerror', (e) => console.error('page error:', e.message));
      // any same-origin document will do: the benchmark module is imported into it
      await page.goto(`${appUrl}package.json`);
      const wanted = BROWSER_BACKENDS.filter((b) => backends.includes(b === 'wasm' ? 'browser-wasm' : b));
      for (const m of models) {
        const rows: (EngineTiming | Failed)[] = [];
        for (const backend of wanted) {
          try {
            rows.push(
              await page.evaluate(
                async ([url, be, budget, cap, real]) => {
                  // a variable specifier: Vite serves the module, tsc does not resolve it
                  const spec = '/bench/models-page.ts';
                  const mod = (await import(/* @vite-ignore */ spec)) as typeof import('./models-page');
                  return mod.benchModelInBrowser(url, be, budget, cap, real);
                },
                [modelUrl(appUrl, m.dir), backend, budgetMs, capMs, storedAsArrays(m.dir, m.card)] as const,
              ),
            );
          } catch (e) {
            const error = (e as Error).message.split('\n')[0];
            // a capped run still bounds the speed: not even one batch (plus warm-up) within the cap
            const bound = /cap/.test(error)
              ? {
                  patchesPerSecondBelow:
                    Math.round(((Math.max(1, m.card.batchSize) * 1000) / capMs) * 100) / 100,
                }
              : {};
            rows.push({ backend, error, ...bound });
          }
        }
        browser.set(m.id, rows);
      }
    } finally {
      await chrome.close();
      await vite.close();
    }
  }

  const results = models.map((m) => {
    const t = torch.get(m.id);
    const flops = t?.flopsPerPatch ?? null;
    const row = (runtime: string, r: EngineTiming | Failed) => {
      if ('error' in r) return { runtime, ...r };
      return {
        runtime,
        backend: r.backend,
        ...(r.adapter ? { adapter: r.adapter } : {}),
        batch: r.batch,
        patchesPerSecond: r.patchesPerSecond,
        msPerBatch: r.msPerBatch,
        firstBatchMs: r.firstBatchMs,
        vsPyTorch: t?.patchesPerSecond
          ? Math.round((r.patchesPerSecond / t.patchesPerSecond) * 100) / 100
          : null,
        gflopPerSecond: flops ? Math.round((r.patchesPerSecond * flops) / 1e7) / 100 : null,
        maxAbsDiffVsPyTorch: maxAbsDiff(r.sample, t?.sample),
      };
    };
    return {
      id: m.id,
      architecture: `${m.card.architecture}${m.card.upsampling !== 'none' ? `-${m.card.upsampling}` : ''}`,
      params: m.card.params,
      mflopsPerPatch: flops ? Math.round(flops / 1e4) / 100 : null,
      pytorch: t
        ? {
            patchesPerSecond: t.patchesPerSecond,
            msPerBatch: t.msPerBatch,
            threads: t.threads,
            gflopPerSecond:
              flops && t.patchesPerSecond ? Math.round((t.patchesPerSecond * flops) / 1e7) / 100 : null,
            checkpoint: t.checkpoint ? path.relative(ROOT, t.checkpoint) : null,
            inputs: t.inputs,
            ...(t.note ? { note: t.note } : {}),
          }
        : null,
      tfjs: [
        ...(node.get(m.id) ?? []).map((r) => row('node', r)),
        ...(browser.get(m.id) ?? []).map((r) => row('chromium', r)),
      ],
    };
  });
  return {
    machine: 'shared 2-core CPU, no GPU (Chromium WebGPU/WebGL run on SwiftShader)',
    tfjs: tf.version.tfjs,
    budgetMsPerMeasurement: budgetMs,
    models: results,
    seconds: Math.round((performance.now() - t0) / 100) / 10,
  };
}
