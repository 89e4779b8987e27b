// npm run bench -- tensor-leak [--models=test-tiny-unet,mrn-bilinear] [--backends=wasm,webgl,webgpu]
//                              [--tile=256] [--patches=1000 | --tiles=N] [--cap-s=600]
// (use --opt=value: bench/index.ts takes bare words for suite names)
// Issue 14 §7: TF.js's live tensor count stays flat over 1,000 patches on every browser backend,
// on the bigger inference tiles. For each model and backend, the app's inference worker in
// Chromium (bench/tensor-leak-page.ts; no GPU here: WebGPU and WebGL run on SwiftShader) runs
// `--patches` 64 px patches' worth of tiles of `--tile` px (1,000 patches: 63 tiles of 256 px, the
// same input pixels; `--tiles` sets the tile count itself) and reports tf.memory().numTensors and numBytes in the worker
// after load, after the first batch and after the last, and every distinct count seen between.
// A (model, backend) past `--cap-s` stops there and says how many tiles it ran. The short CI
// check of the same thing is src/inference/engine.memory.test.ts (Node wasm/cpu).

import path from 'node:path';
import { chromium } from '@playwright/test';
import config from '../playwright.config';
import { pickModels } from '../src/inference/node/model-dirs';
import { startBenchServer } from './bench-server';
import type { LeakRun } from './tensor-leak-page';

const ROOT = path.resolve(import.meta.dirname, '..');

function option(args: string[], name: string): string | undefined {
  const i = args.findIndex((a) => a === `--${name}` || a.startsWith(`--${name}=`));
  if (i < 0) return undefined;
  return args[i].includes('=') ? args[i].split('=').slice(1).join('=') : args[i + 1];
}

export async function run(args: string[]) {
  const ids = (option(args, 'models') ?? 'test-tiny-unet,mrn-bilinear').split(',').filter(Boolean);
  const backends = (option(args, 'backends') ?? 'wasm,webgl,webgpu').split(',') as LeakRun['backend'][];
  const tileSize = Number(option(args, 'tile') ?? 256);
  const patches = Number(option(args, 'patches') ?? 1000);
  // 64 px patches' worth: the same input pixels (1,000 patches of 64 px → 63 tiles of 256 px)
  const tiles = Number(option(args, 'tiles') ?? Math.ceil((patches * 64 * 64) / (tileSize * tileSize)));
  if (!(tiles >= 1) || !Number.isInteger(tiles)) throw new Error('--tiles/--patches: want a whole count ≥ 1');
  const capMs = Number(option(args, 'cap-s') ?? 600) * 1000;
  for (const b of backends)
    if (!['wasm', 'webgl', 'webgpu'].includes(b))
      throw new Error(`--backends: ${b} is not a browser backend`);
  const models = await pickModels(path.join(ROOT, 'models'), { ids, includeTest: true });
  const missing = ids.filter((id) => !models.some((m) => m.id === id));
  if (missing.length > 0) throw new Error(`no model ${missing.join(', ')} in models/`);
  const t0 = performance.now();

  const { vite, appUrl } = await startBenchServer({ page: 'bench/tensor-leak-page.ts' });
  const chrome = await chromium.launch(config.use?.launchOptions);
  const rows: (LeakRun | { model: string; backend: string; error: string })[] = [];
  try {
    const page = await chrome.newPage();
    page.setDefaultTimeout(capMs + 120_000);
    const pageErrors: string[] = [];
    page.on('pageerror', (e) => pageErrors.push(e.message));
    await page.goto(`${appUrl}package.json`);
    for (const m of models) {
      for (const backend of backends) {
        const started = performance.now();
        console.error(`tensor-leak: ${m.id} on ${backend}, ${tiles} tiles of ${tileSize} px …`);
        try {
          const r = await page.evaluate(
            async ([url, be, size, n, cap]) => {
              const spec = '/bench/tensor-leak-page.ts';
              const mod = (await import(/* @vite-ignore */ spec)) as typeof import('./tensor-leak-page');
              return mod.leakRunInBrowser(url, be as 'wasm', size, n, cap);
            },
            [`${appUrl}${path.relative(ROOT, m.dir)}/`, backend, tileSize, tiles, capMs] as const,
          );
          rows.push({ model: m.id, ...r });
          console.error(
            `tensor-leak: ${m.id} on ${backend}: numTensors ${r.afterLoad.numTensors} after load, ${r.steady.numTensors} steady, ${r.after.numTensors} after ${r.tilesRun} tiles (${r.flat === null ? 'too few batches to tell' : r.flat ? 'flat' : 'NOT flat'}; ${((performance.now() - started) / 1000).toFixed(0)} s)`,
          );
        } catch (e) {
          const error = (e as Error).message.split('\n')[0];
          rows.push({ model: m.id, backend, error });
          console.error(`tensor-leak: ${m.id} on ${backend}: ${error}`);
        }
      }
    }
    if (pageErrors.length > 0)
      rows.push({ model: '', backend: '', error: `page errors: ${pageErrors.join('; ')}` });
  } finally {
    await chrome.close();
    await vite.close();
  }
  const ran = rows.filter((r): r is LeakRun & { model: string } => 'flat' in r);
  return {
    machine: 'shared 2-core CPU, no GPU (Chromium WebGPU/WebGL run on SwiftShader)',
    tileSize,
    tilesAsked: tiles,
    patchesWorth: Math.round((tiles * tileSize * tileSize) / (64 * 64)),
    allFlat: ran.length === rows.length && ran.every((r) => r.flat === true),
    allComplete: ran.length === rows.length && ran.every((r) => r.tilesRun === tiles),
    runs: rows,
    seconds: Math.round((performance.now() - t0) / 100) / 10,
  };
}
