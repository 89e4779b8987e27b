// npm run bench -- press-h [--models=unet,mrn-bilinear] [--rounds=2] [--cap-s=300] [--no-off]
// (use --opt=value: bench/index.ts takes bare words for suite names)
// Issue 14 §4, "pressing H on the demo at 10×": the app (Vite-served) in Chromium at 1440 × 900,
// the demo slide (0.5 µm/px) at zoom 0.5 (10×) on its tumours, the heatmap's model picked and H
// pressed. Timed in the page from the keydown: the first coarse heatmap (the screen's map over the
// whole view: the cascade for MRN, the preview for the U-Net), the first patch of the model itself,
// and the whole view done. Each run is a first visit (a fresh context: no remembered backend, the
// `auto` trial runs, nothing cached) and then a second (the page reloaded: the backend remembered;
// the heatmaps cleared so the view is computed again). With the setting off (`?cascade=0`, unless
// --no-off) the model runs alone: its first heatmap is its first patch, or the notice when its own
// pass over the view would take over 10 s (limitEstimateS). A view not done by --cap-s reports the
// coarse and first-patch times it reached. Rounds interleave the
// settings, so the ratios compare runs of one load.

import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { type Browser, chromium, type Page } from '@playwright/test';
import { call } from '../e2e/api-call';
import config from '../playwright.config';
import { startBenchServer } from './bench-server';

const ROOT = path.resolve(import.meta.dirname, '..');
const DEMO = '/demo/demo.tiff';
/** tumour 1 of the demo slide (e2e/cascade.spec.ts) */
const CENTRE = { x: 4400, y: 3700 };
const ZOOM_10X = 0.5;
const SCREEN = 'unet-context';

function option(args: string[], name: string): string | undefined {
  const i = args.findIndex((a) => a === `--${name}` || a.startsWith(`--${name}=`));
  if (i < 0) return undefined;
  return args[i].includes('=') ? args[i].split('=').slice(1).join('=') : args[i + 1];
}

interface Job {
  done: number;
  total: number;
  running: boolean;
  mode: string;
  phase?: 'screen' | 'refine';
  coarse?: { patches: number; ms: number };
}

interface Press {
  model: string;
  screenFirst: boolean;
  visit: 'first' | 'second';
  /** ms from the keydown until the screen's map covered the view (null: no coarse pass) */
  coarseMs: number | null;
  /** ms until the first patch of the model itself had landed */
  firstPatchMs: number | null;
  /** ms until the whole view was done */
  viewDoneMs: number | null;
  patches: number;
  coarsePatches: number | null;
  backend: string | null;
  selectMs: number | null;
  remembered: boolean | null;
  /** the notice instead of a heatmap: the first pass's estimate in s (null: no notice) */
  limitEstimateS: number | null;
  error?: string;
}

/** Presses H with `model` picked and times the view's heatmap from the keydown (in the page). */
async function pressH(
  page: Page,
  model: string,
  capMs: number,
): Promise<Omit<Press, 'screenFirst' | 'visit'>> {
  await page.evaluate((v) => window.mrnViewer!.setViewport(v, { immediately: true }), {
    ...CENTRE,
    zoom: ZOOM_10X,
  });
  await call(page, 'heatmap', { model, visible: false });
  // the keydown's time, from a listener in place before the press
  await page.evaluate(() => {
    const w = window as unknown as { pressT0?: number };
    delete w.pressT0;
    window.addEventListener('keydown', () => (w.pressT0 ??= performance.now()), {
      capture: true,
      once: true,
    });
  });
  const watch = page.evaluate(
    ([m, cap]) =>
      new Promise<{
        coarseMs: number | null;
        firstPatchMs: number | null;
        doneMs: number | null;
        job: Job | null;
      }>((resolve) => {
        const api = window.mrnViewer as unknown as { analysisInfo(): { jobs: Record<string, Job> } };
        const w = window as unknown as { pressT0?: number };
        let coarseMs: number | null = null;
        let firstPatchMs: number | null = null;
        let doneAtCoarse = 0;
        const timer = setInterval(() => {
          const t0 = w.pressT0;
          if (t0 === undefined) return;
          const job = api.analysisInfo().jobs[m];
          if (job?.mode !== 'viewport') return;
          const now = performance.now() - t0;
          if (job.phase === 'screen') return; // done/total count the screen's patches then
          if (coarseMs === null && job.coarse) {
            coarseMs = now;
            // a cascade counts the screen's sure patches as done at the coarse map: later ones are the model's
            doneAtCoarse = job.done;
          }
          if (firstPatchMs === null && job.done > doneAtCoarse) firstPatchMs = now;
          if (!job.running && job.total > 0 && job.done === job.total) {
            clearInterval(timer);
            resolve({ coarseMs, firstPatchMs: firstPatchMs ?? now, doneMs: now, job: { ...job } });
          }
        }, 10);
        setTimeout(() => {
          clearInterval(timer);
          resolve({ coarseMs, firstPatchMs, doneMs: null, job: api.analysisInfo().jobs[m] ?? null });
        }, cap);
      }),
    [model, capMs] as const,
  );
  await page.keyboard.press('h');
  const w = await watch;
  const limit = (
    await call<{ viewportLimit: { model: string; estimateS: number } | null }>(page, 'analysisInfo')
  ).viewportLimit;
  const info = await call<{
    backend: string | null;
    decision: { selectMs: number; remembered?: boolean } | null;
  } | null>(page, 'backendInfo', model);
  return {
    model,
    coarseMs: w.coarseMs === null ? null : Math.round(w.coarseMs),
    firstPatchMs: w.firstPatchMs === null ? null : Math.round(w.firstPatchMs),
    viewDoneMs: w.doneMs === null ? null : Math.round(w.doneMs),
    patches: w.job?.total ?? 0,
    coarsePatches: w.job?.coarse?.patches ?? null,
    backend: info?.backend ?? null,
    selectMs: info?.decision ? Math.round(info.decision.selectMs) : null,
    remembered: info?.decision?.remembered ?? null,
    limitEstimateS: limit?.model === model ? Math.round(limit.estimateS) : null,
  };
}

async function openDemo(page: Page, url: string): Promise<void> {
  await page.goto(url);
  await page.waitForFunction(() => !!window.mrnViewer);
  await page.evaluate((u) => window.mrnViewer!.open(u), DEMO);
  await page.evaluate(() => window.mrnViewer!.ready());
}

/** A first visit (fresh context) and a second (reload, heatmaps cleared) of `model`. */
async function visits(
  chrome: Browser,
  appUrl: string,
  model: string,
  screenFirst: boolean,
  capMs: number,
): Promise<Press[]> {
  const context = await chrome.newContext({ viewport: { width: 1440, height: 900 } });
  const page = await context.newPage();
  page.setDefaultTimeout(capMs + 60_000);
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  const url = `${appUrl}${screenFirst ? '' : '?cascade=0'}`;
  const out: Press[] = [];
  try {
    for (const visit of ['first', 'second'] as const) {
      try {
        if (visit === 'second') {
          await openDemo(page, url);
          for (const m of [model, SCREEN]) await call(page, 'clearHeatmap', m);
        } else await openDemo(page, url);
        const r = await pressH(page, model, capMs);
        out.push({ ...r, screenFirst, visit, ...(errors.length ? { error: errors.join('; ') } : {}) });
      } catch (e) {
        out.push({
          model,
          screenFirst,
          visit,
          coarseMs: null,
          firstPatchMs: null,
          viewDoneMs: null,
          patches: 0,
          coarsePatches: null,
          backend: null,
          selectMs: null,
          remembered: null,
          limitEstimateS: null,
          error: (e as Error).message.split('\n')[0],
        });
      }
      console.error(`press-h: ${JSON.stringify(out.at(-1))}`);
    }
  } finally {
    await context.close();
  }
  return out;
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0
    ? null
    : s.length % 2
      ? s[(s.length - 1) / 2]
      : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

export async function run(args: string[]) {
  if (!existsSync(path.join(ROOT, 'public', DEMO))) throw new Error(`no ${DEMO}: run npm run demo first`);
  const models = (option(args, 'models') ?? 'unet,mrn-bilinear').split(',').filter(Boolean);
  const rounds = Number(option(args, 'rounds') ?? 2);
  const capMs = Number(option(args, 'cap-s') ?? 120) * 1000;
  const settings = [true, ...(args.includes('--no-off') ? [] : [false])];
  const load = [os.loadavg()];
  const { vite, appUrl } = await startBenchServer({ cacheName: 'vite-bench-press-h' });
  const chrome = await chromium.launch(config.use?.launchOptions);
  const presses: Press[] = [];
  try {
    // one untimed load so dependency optimisation (and its page reload) happens before timing
    // (the worker's and the slide's dependencies too: open the demo and run each model on 1 px)
    const warm = await chrome.newPage();
    for (let attempt = 0; attempt < 4; attempt++) {
      let navigations = 0;
      warm.on('framenavigated', (f) => {
        if (f === warm.mainFrame()) navigations++;
      });
      await openDemo(warm, appUrl).catch(() => {});
      for (const m of [...models, SCREEN])
        await call(warm, 'analyze', { model: m, region: { x: 10, y: 10, width: 1, height: 1 } }).catch(
          () => {},
        );
      await warm.waitForTimeout(1500);
      if (navigations <= 1) break;
    }
    await warm.close();
    for (let r = 0; r < rounds; r++)
      for (const model of models)
        for (const screenFirst of settings)
          presses.push(...(await visits(chrome, appUrl, model, screenFirst, capMs)));
  } finally {
    await chrome.close();
    await vite.close();
  }
  load.push(os.loadavg());
  const summary = models.flatMap((model) =>
    settings.flatMap((screenFirst) =>
      (['first', 'second'] as const).map((visit) => {
        const rs = presses.filter(
          (p) => p.model === model && p.screenFirst === screenFirst && p.visit === visit,
        );
        const ok = rs.filter((p) => p.viewDoneMs !== null);
        const firstHeatmap = ok.map((p) => p.coarseMs ?? p.firstPatchMs ?? Number.NaN);
        return {
          model,
          screenFirst,
          visit,
          runs: rs.length,
          /** the first heatmap over the view: the coarse map, or the model's first patch without one */
          firstHeatmapMs: median(firstHeatmap),
          coarseMs: median(ok.flatMap((p) => (p.coarseMs === null ? [] : [p.coarseMs]))),
          viewDoneMs: median(ok.map((p) => p.viewDoneMs!)),
          patches: ok[0]?.patches ?? null,
        };
      }),
    ),
  );
  return {
    view: { slide: DEMO, centre: CENTRE, zoom: ZOOM_10X, magnification: '10x', viewport: '1440x900' },
    goal: 'first coarse heatmap within 5 s of pressing H',
    loadAverage: load.map((l) => l.map((x) => Math.round(x * 10) / 10)),
    summary,
    presses,
  };
}
