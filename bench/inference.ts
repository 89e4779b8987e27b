// npm run bench -- inference [--models=unet,mrn-bilinear] [--backends=wasm@1,wasm,auto,webgl,webgpu]
//                            [--slide-seconds=30] [--viewport-cap-ms=60000] [--cap-ms=300000]
// (use --opt=value: bench/index.ts takes bare words for suite names)
// The app end to end in Chromium (the Vite-served app, driven through window.mrnViewer), per model
// and backend, on the demo slide:
//  - start: worker, model load and backend warm-up;
//  - viewport: time to a complete heatmap of a 1440 × 900 viewport at zoom 1 (+ 25 % margin), the
//    worker running (a backend too slow to finish within the cap gets an estimate from its rate);
//  - whole slide: patches/s over the first `slide-seconds` of a whole-slide run (then cancelled),
//    and the time the whole slide would take at that rate;
//  - context cache: decoded slide pixels per context pixel (MRN models).
// `wasm@1` is wasm with one core reported to the page (one thread: the legacy, non-isolated
// speed) beside `wasm` (threads for every core the machine reports), in the same run; `auto` times
// the backend trial (its startMs includes it). The page is cross-origin isolated (vite.config.ts).
// Ratios are against wasm, and against PyTorch (CPU, 2 threads) running the same checkpoint on the
// same patches in the same run: PyTorch's is model time alone, the app's includes reading the
// slide, so the ratio understates the engine. No GPU here: WebGPU and WebGL run on SwiftShader.

import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium, type Page } from '@playwright/test';
import { createServer } from 'vite';
import { call } from '../e2e/api-call';
import config from '../playwright.config';
import { pickModels } from '../src/inference/node/model-dirs';
import { type TorchResult, timeTorch } from './torch-timing';

const ROOT = path.resolve(import.meta.dirname, '..');
const VIEW = { x: 4400, y: 3700, zoom: 1 };

function option(args: string[], name: string): string | undefined {
  const hit = args.find((a) => a.startsWith(`--${name}=`));
  return hit?.split('=').slice(1).join('=');
}

interface Row {
  model: string;
  backend: string;
  chosen?: string;
  /** wasm threads the engine ran on; isolated: the page was cross-origin isolated */
  threads?: number | null;
  isolated?: boolean;
  /** worker start to a ready backend, as the engine reports it (the auto trial included) */
  selectMs?: number;
  adapter?: string | null;
  /** worker start + model load + backend warm-up */
  startMs?: number;
  viewportPatches?: number;
  /** complete viewport heatmap, worker running */
  viewportMs?: number;
  /** when the viewport did not finish within the cap: patches / rate */
  viewportMsEstimated?: number;
  /** start + viewport: what a user waits after switching the heatmap on */
  coldViewportMs?: number;
  viewportPatchesPerSecond?: number;
  slidePatchesPerSecond?: number;
  slidePatchesDone?: number;
  /** tissue patches of the whole slide */
  slidePatches?: number;
  slideMsEstimated?: number;
  contextDecodedPerOutputPixel?: number | null;
  error?: string;
}

interface Job {
  done: number;
  total: number;
  cached: number;
  rate: number;
  running: boolean;
}

/**
 * Runs `analyze(opts)` until it ends or `capMs` passes (then cancels it). Returns the wall time,
 * the patches computed and the rate (computed patches over wall time), plus whether it finished.
 */
async function timed(
  page: Page,
  model: string,
  opts: Record<string, unknown>,
  capMs: number,
): Promise<{ ms: number; patches: number; total: number; rate: number; finished: boolean }> {
  const t0 = Date.now();
  let finished = false;
  const run = call(page, 'analyze', { model, ...opts }).then(
    () => {
      finished = true;
    },
    () => {},
  );
  let timer: ReturnType<typeof setTimeout> | undefined;
  await Promise.race([run, new Promise((r) => (timer = setTimeout(r, capMs)))]);
  clearTimeout(timer);
  const ms = Date.now() - t0;
  const job = await page.evaluate(
    (m) => (window.mrnViewer!.analysisInfo as () => { jobs: Record<string, Job> })().jobs[m] ?? null,
    model,
  );
  if (!finished) {
    await call(page, 'cancelAnalysis');
    await run;
  }
  const patches = job ? job.done - job.cached : 0;
  return { ms, patches, total: job ? job.total - job.cached : 0, rate: (patches * 1000) / ms, finished };
}

async function benchOne(
  page: Page,
  appUrl: string,
  model: string,
  backend: string,
  slideSeconds: number,
  viewportCapMs: number,
): Promise<Row> {
  const row: Row = { model, backend };
  const [name, cores] = backend.split('@');
  if (cores) {
    await page.addInitScript((n) => {
      Object.defineProperty(Navigator.prototype, 'hardwareConcurrency', { get: () => n, configurable: true });
    }, Number(cores));
  }
  await page.goto(appUrl);
  await page.waitForFunction(() => !!window.mrnViewer);
  await page.evaluate(() => window.mrnViewer!.open('/demo/demo.tiff'));
  await page.evaluate(() => window.mrnViewer!.ready());
  await page.evaluate((v) => window.mrnViewer!.setViewport(v), VIEW);
  // worker start, model load and backend warm-up, timed on their own
  const t0 = Date.now();
  await call(page, 'analyze', {
    model,
    region: { x: VIEW.x, y: VIEW.y, width: 1, height: 1 },
    backend: name,
  });
  row.startMs = Date.now() - t0;
  const info = await call<{
    backend: string;
    decision: { adapter: string | null; threads: number | null; isolated: boolean; selectMs: number };
  }>(page, 'backendInfo', model);
  row.chosen = info.backend;
  row.adapter = info.decision.adapter;
  row.threads = info.decision.threads;
  row.isolated = info.decision.isolated;
  row.selectMs = Math.round(info.decision.selectMs);
  if (name !== 'auto' && info.backend !== name)
    throw new Error(`${name} is not available; the engine chose ${info.backend}`);
  await call(page, 'clearHeatmap', model);
  // a complete viewport heatmap (1440 × 900 at zoom 1, + 25 % margin), worker already running
  const vp = await timed(page, model, { region: 'viewport' }, viewportCapMs);
  row.viewportPatches = vp.total;
  row.viewportPatchesPerSecond = vp.rate;
  if (vp.finished) row.viewportMs = vp.ms;
  else row.viewportMsEstimated = Math.round((vp.total / Math.max(vp.rate, 1e-9)) * 1000);
  row.coldViewportMs = row.startMs + (row.viewportMs ?? row.viewportMsEstimated!);
  // whole slide: rate over a fixed time, then cancelled
  const slide = await timed(page, model, { region: 'slide' }, slideSeconds * 1000);
  row.slidePatchesDone = slide.patches;
  row.slidePatches = slide.total;
  row.slidePatchesPerSecond = slide.rate;
  row.slideMsEstimated = Math.round((slide.total / Math.max(slide.rate, 1e-9)) * 1000);
  const stats = await page.evaluate(() =>
    (window.mrnViewer!.analysisInfo as () => { contextCache: { decodedPerOutputPixel: number } | null })(),
  );
  row.contextDecodedPerOutputPixel = stats.contextCache?.decodedPerOutputPixel ?? null;
  return row;
}

export async function run(args: string[]): Promise<unknown> {
  const have = (id: string) => existsSync(path.join(ROOT, 'models', id, 'card.json'));
  const models = (
    option(args, 'models') ??
    (have('unet') && have('mrn-bilinear') ? 'unet,mrn-bilinear' : 'test-tiny-unet,test-tiny-mrn')
  )
    .split(',')
    .filter(Boolean);
  const backends = (option(args, 'backends') ?? 'wasm@1,wasm,auto,webgl,webgpu').split(',').filter(Boolean);
  const slideSeconds = Number(option(args, 'slide-seconds') ?? 30);
  const viewportCapMs = Number(option(args, 'viewport-cap-ms') ?? 60_000);
  const capMs = Number(option(args, 'cap-ms') ?? 300_000);
  if (!existsSync(path.join(ROOT, 'public/demo/demo.tiff'))) throw new Error('run `npm run demo` first');

  // PyTorch first, while nothing else holds the cores
  const torch = args.includes('--no-torch')
    ? []
    : timeTorch(
        await pickModels(path.join(ROOT, 'models'), { ids: models, includeTest: true }),
        path.join(ROOT, 'training/work/checkpoints'),
        2000,
      );

  // the app's own config (models plugin, pre-bundled tfjs), with its own dependency cache so it
  // does not disturb a dev server or e2e run sharing node_modules/.vite
  const vite = await createServer({
    root: ROOT,
    cacheDir: path.join(ROOT, '.cache/vite-bench-inference'),
    server: { port: 0, host: '127.0.0.1' },
    logLevel: 'error',
  });
  await vite.listen();
  const appUrl = vite.resolvedUrls!.local[0];
  const chrome = await chromium.launch(config.use?.launchOptions);
  const rows: Row[] = [];
  try {
    // one untimed load so dependency optimisation (and its page reload) happens before timing
    const warmup = await chrome.newPage();
    await warmup.goto(appUrl);
    await warmup.waitForFunction(() => !!window.mrnViewer, undefined, { timeout: 120_000 });
    await warmup.waitForTimeout(3000);
    await warmup.close();
    for (const model of models) {
      for (const backend of backends) {
        const context = await chrome.newContext({ viewport: { width: 1440, height: 900 } });
        const page = await context.newPage();
        page.setDefaultTimeout(capMs);
        try {
          let cap: ReturnType<typeof setTimeout> | undefined;
          const timer = new Promise<never>((_, reject) => {
            cap = setTimeout(() => reject(new Error(`over the ${capMs / 1000} s cap`)), capMs);
          });
          try {
            rows.push(
              await Promise.race([
                benchOne(page, appUrl, model, backend, slideSeconds, viewportCapMs),
                timer,
              ]),
            );
          } finally {
            clearTimeout(cap); // a pending timer would keep the process alive
          }
        } catch (e) {
          rows.push({ model, backend, error: e instanceof Error ? e.message.split('\n')[0] : String(e) });
        } finally {
          await context.close();
        }
        console.error(JSON.stringify(rows.at(-1)));
      }
    }
  } finally {
    await chrome.close();
    await vite.close();
  }
  const ratios = models.map((model) => {
    const wasm = rows.find((r) => r.model === model && r.backend === 'wasm' && !r.error);
    const py: TorchResult | undefined = torch.find((t) => t.id === model);
    return {
      model,
      pytorchPatchesPerSecond: py?.patchesPerSecond ?? null,
      pytorchWeights: py?.checkpoint ? 'checkpoint' : (py?.note ?? null),
      vsPyTorch: rows
        .filter((r) => r.model === model && !r.error && py?.patchesPerSecond)
        .map((r) => ({
          backend: r.backend,
          viewport: r.viewportPatchesPerSecond! / py!.patchesPerSecond!,
          slide: r.slidePatchesPerSecond! / py!.patchesPerSecond!,
        })),
      vsWasm: rows
        .filter((r) => r.model === model && !r.error && wasm)
        .map((r) => ({
          backend: r.backend,
          viewportSpeedup: r.viewportPatchesPerSecond! / wasm!.viewportPatchesPerSecond!,
          slideSpeedup: r.slidePatchesPerSecond! / wasm!.slidePatchesPerSecond!,
        })),
    };
  });
  const threads = models.map((model) => {
    const one = rows.find((r) => r.model === model && r.backend === 'wasm@1' && !r.error);
    const many = rows.find((r) => r.model === model && r.backend === 'wasm' && !r.error);
    return one && many
      ? {
          model,
          threads: [one.threads, many.threads],
          viewportSpeedup: many.viewportPatchesPerSecond! / one.viewportPatchesPerSecond!,
          slideSpeedup: many.slidePatchesPerSecond! / one.slidePatchesPerSecond!,
        }
      : { model, error: 'wasm@1 or wasm missing' };
  });
  return {
    machine: 'no GPU: WebGPU/WebGL on SwiftShader',
    cores: os.cpus().length,
    view: VIEW,
    slideSeconds,
    rows,
    ratios,
    threads,
  };
}
