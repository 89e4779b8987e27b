// Chromium half of `npm run bench -- convert`: each ONNX test export converted in the page
// (mrnViewer.addModel with the .onnx URL: fetch, the converter in its worker, the warm-up check)
// and run through the app's inference worker (mrnViewer.predict, the path the heatmap uses) on
// wasm and on WebGPU (SwiftShader here: a CPU rasteriser, not a GPU), timed inside the page for
// about `budgetMs` per backend after one untimed call (model load and backend warm-up).

import type { Page } from '@playwright/test';
import { call } from '../e2e/api-call';

export interface PageCase {
  /** e.g. 'unet.dynamo'; the model id is derived from it */
  key: string;
  url: string;
  card: Record<string, unknown>;
  /** NHWC shape of each graph input, by name */
  inputs: Record<string, number[]>;
}

export interface PageSpeed {
  backend: string;
  /** the backend the engine ran on (SwiftShader-backed WebGPU reports 'webgpu') */
  ran?: string;
  firstCallMs?: number;
  calls?: number;
  msPerCall?: number;
  patchesPerSecond?: number;
  error?: string;
}

export interface PageRow {
  key: string;
  /** addModel wall time: fetch, conversion in the worker, the warm-up check, IndexedDB */
  addModelMs?: number;
  /** the worker's own conversion time (onnxImport().summary.convertMs) */
  workerConvertMs?: number;
  speeds: PageSpeed[];
  error?: string;
}

/** Random NHWC inputs in [-1, 1], base64 float32, the same for every backend. */
function randomInputs(inputs: Record<string, number[]>, seed: number): Record<string, string> {
  let s = seed >>> 0;
  const next = () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return (s / 2 ** 32) * 2 - 1;
  };
  return Object.fromEntries(
    Object.entries(inputs).map(([name, shape]) => {
      const x = new Float32Array(shape.reduce((a, b) => a * b, 1));
      for (let i = 0; i < x.length; i++) x[i] = next();
      return [name, Buffer.from(x.buffer).toString('base64')];
    }),
  );
}

export async function timeInPage(
  page: Page,
  c: PageCase,
  backends: string[],
  budgetMs: number,
): Promise<PageRow> {
  const id = `bench-${c.key.replace(/\./g, '-')}`;
  const row: PageRow = { key: c.key, speeds: [] };
  try {
    const t0 = Date.now();
    const added = await call<string>(page, 'addModel', c.url, JSON.stringify({ ...c.card, id }));
    row.addModelMs = Date.now() - t0;
    if (added !== id) throw new Error(`addModel returned ${added}`);
    const summary = await call<{ summary: { convertMs: number } | null }>(page, 'onnxImport');
    row.workerConvertMs = summary.summary?.convertMs;
  } catch (e) {
    row.error = (e as Error).message.split('\n')[0];
    return row;
  }
  const feeds = randomInputs(c.inputs, 7);
  for (const backend of backends) {
    try {
      const r = await page.evaluate(
        async ([model, inputs, be, budget]) => {
          const predict = window.mrnViewer!.predict as (
            m: string,
            i: Record<string, string>,
            o: { backend: string },
          ) => Promise<{ backend: string; count: number }>;
          const f0 = performance.now();
          const first = await predict(model, inputs, { backend: be });
          const firstCallMs = performance.now() - f0;
          let calls = 0;
          const t0 = performance.now();
          while (calls < 2 || performance.now() - t0 < budget) {
            await predict(model, inputs, { backend: be });
            calls++;
          }
          const ms = performance.now() - t0;
          return { ran: first.backend, count: first.count, firstCallMs, calls, ms };
        },
        [id, feeds, backend, budgetMs] as const,
      );
      row.speeds.push({
        backend,
        ran: r.ran,
        firstCallMs: Math.round(r.firstCallMs),
        calls: r.calls,
        msPerCall: Number((r.ms / r.calls).toFixed(2)),
        patchesPerSecond: Number(((r.count * r.calls * 1000) / r.ms).toFixed(1)),
      });
    } catch (e) {
      row.speeds.push({ backend, error: (e as Error).message.split('\n')[0] });
    }
  }
  await call(page, 'removeModel', id).catch(() => {});
  return row;
}
