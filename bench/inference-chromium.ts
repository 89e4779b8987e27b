// Chromium half of `npm run bench -- inference`: the app (Vite-served, cross-origin isolated) in a
// fresh browser context per run, driven through window.mrnViewer only.
//
// Options that other work adds are passed both ways and tolerated when absent: the tile size
// (`?tile=S`, `analyze({tileSize})`) and the cascade (`?cascade=0|1`, `analyze({cascade})`). One
// thread is one core reported to the page (`navigator.hardwareConcurrency`), which sizes the wasm
// thread pool.

import type { Browser, Page } from '@playwright/test';
import { call } from '../e2e/api-call';

export interface RunSettings {
  model: string;
  backend: string;
  /** cores reported to the page (undefined: the machine's) */
  cores?: number;
  /** tile edge asked for (undefined: the app's default) */
  tileSize?: number;
  /** undefined: the app's default */
  cascade?: boolean;
  /** false: graphs as exported (`?optimize=0`: no fused convs) */
  optimize?: boolean;
}

/**
 * 'wasm@1:64' → backend wasm, 1 core reported, 64 px tiles; 'auto' → the app's defaults;
 * a '/raw' suffix runs the graphs as exported (`?optimize=0`)
 */
export function parseRowSpec(spec: string): Omit<RunSettings, 'model' | 'cascade'> {
  const m = /^([a-z]+)(?:@(\d+))?(?::(\d+))?(\/raw)?$/.exec(spec);
  if (!m) throw new Error(`row spec ${spec}: want backend[@cores][:tile][/raw], e.g. wasm@1:64/raw`);
  return {
    backend: m[1],
    ...(m[2] ? { cores: Number(m[2]) } : {}),
    ...(m[3] ? { tileSize: Number(m[3]) } : {}),
    ...(m[4] ? { optimize: false } : {}),
  };
}

interface Job {
  done: number;
  total: number;
  cached: number;
  rate: number;
  running: boolean;
}

export interface BackendFacts {
  chosen: string;
  threads: number | null;
  isolated: boolean;
  selectMs: number;
  adapter: string | null;
  remembered?: boolean;
}

function query(s: RunSettings): string {
  const q = new URLSearchParams();
  if (s.tileSize !== undefined) q.set('tile', String(s.tileSize));
  if (s.cascade !== undefined) q.set('cascade', s.cascade ? '1' : '0');
  if (s.optimize === false) q.set('optimize', '0');
  const text = q.toString();
  return text ? `?${text}` : '';
}

export function analyzeOptions(s: RunSettings): Record<string, unknown> {
  return {
    model: s.model,
    backend: s.backend,
    ...(s.tileSize !== undefined ? { tileSize: s.tileSize } : {}),
    ...(s.cascade !== undefined ? { cascade: s.cascade } : {}),
  };
}

/** A fresh context (empty storage: no remembered backend, no cached heatmap) with the slide open. */
export async function openPage(
  chrome: Browser,
  appUrl: string,
  slideUrl: string,
  s: RunSettings,
  capMs: number,
): Promise<{ page: Page; close: () => Promise<void>; errors: string[] }> {
  const context = await chrome.newContext({ viewport: { width: 1440, height: 900 } });
  const page = await context.newPage();
  page.setDefaultTimeout(capMs);
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  if (s.cores !== undefined) {
    // a string, not a function: tsx would wrap a function's inner arrows in its __name helper
    await page.addInitScript({
      content: `Object.defineProperty(Navigator.prototype, 'hardwareConcurrency', { get: () => ${Number(s.cores)}, configurable: true });`,
    });
  }
  await page.goto(`${appUrl}${query(s)}`);
  await page.waitForFunction(() => !!window.mrnViewer);
  await page.evaluate((u) => window.mrnViewer!.open(u), slideUrl);
  await page.evaluate(() => window.mrnViewer!.ready());
  return { page, close: () => context.close(), errors };
}

export async function backendFacts(page: Page, model: string): Promise<BackendFacts> {
  const info = await call<{ backend: string; decision: Omit<BackendFacts, 'chosen'> }>(
    page,
    'backendInfo',
    model,
  );
  return {
    chosen: info.backend,
    threads: info.decision.threads,
    isolated: info.decision.isolated,
    selectMs: Math.round(info.decision.selectMs),
    adapter: info.decision.adapter,
    remembered: info.decision.remembered,
  };
}

/**
 * Runs `analyze(opts)` until it ends or `capMs` passes (then cancels it): wall ms, tiles computed,
 * tiles planned, whether it finished and its summary.
 */
export async function timedAnalyze(
  page: Page,
  opts: Record<string, unknown>,
  capMs: number,
): Promise<{
  ms: number;
  tiles: number;
  total: number;
  finished: boolean;
  summary: Record<string, unknown> | null;
}> {
  const model = opts.model as string;
  const t0 = Date.now();
  let summary: Record<string, unknown> | null = null;
  let failure: unknown = null;
  const run = call<Record<string, unknown>>(page, 'analyze', opts).then(
    (s) => {
      summary = s;
    },
    (e) => {
      failure = e;
    },
  );
  let timer: ReturnType<typeof setTimeout> | undefined;
  await Promise.race([run, new Promise((r) => (timer = setTimeout(r, capMs)))]);
  clearTimeout(timer);
  const ms = Date.now() - t0;
  const job = await page.evaluate(
    (m) => (window.mrnViewer!.analysisInfo as () => { jobs: Record<string, Job> })().jobs[m] ?? null,
    model,
  );
  const finished = summary !== null;
  if (!finished && failure === null) {
    await call(page, 'cancelAnalysis');
    await run;
  } else if (failure !== null) throw failure;
  const tiles = job ? job.done - job.cached : 0;
  return { ms, tiles, total: job ? job.total - job.cached : 0, finished, summary };
}

/** The tile edge a summary reports, wherever the tiles work put it (null: not reported). */
export function reportedTileSize(summary: Record<string, unknown> | null): number | null {
  if (!summary) return null;
  const t = summary.tileSize ?? (summary.tile as { size?: number } | undefined)?.size;
  return typeof t === 'number' ? t : null;
}
