// npm run bench -- press-h [--models=unet,mrn-bilinear] [--rounds=2] [--visits=first,second]
//   [--prewarm=on,off] [--look-s=2] [--until=done|coarse] [--cap-s=120] [--no-off]
// (use --opt=value: bench/index.ts takes bare words for suite names)
// Issue 14 §4, "pressing H on the demo at 10×": the app (Vite-served) in Chromium at 1440 × 900,
// the model picked, the demo slide (0.5 µm/px) opened at zoom 0.5 (10×) on its tumours, looked at
// for --look-s (with the prewarm on, until it is done too: it warms the model's workers while the
// slide is looked at), then H pressed. Timed in the page from the keydown: the first coarse
// heatmap (the screen's map over the whole view: the cascade for MRN, the preview for the U-Net),
// the first patch of the model itself, and the whole view done; and the breakdown of the first
// coarse map from the app's `mrn:` performance marks (run start, each worker's load, backend
// ready, screen planned, its first tiles read, its first batch, the coarse map drawn) and the
// workers' own phases (backendInfo().decision.phases). Each run is a first visit (a fresh context:
// no remembered backend, the `auto` trial runs, nothing cached) and then a second (the page
// reloaded: the backend remembered; the heatmaps cleared so the view is computed again). With the
// prewarm off (`?prewarm=0`) the workers start at the key press. With the setting off
// (`?cascade=0`, only without --no-off) the model runs alone: its first heatmap is its first
// patch, or the notice when its own pass over the view would take over 10 s (limitEstimateS). A
// view not done by --cap-s reports the coarse and first-patch times it reached. Rounds interleave
// the settings (alternating which goes first), so the ratios compare runs of one load.

import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { type Browser, chromium, type Page } from '@playwright/test';
import { call } from '../e2e/api-call';
import config from '../playwright.config';
import type { LoadPhases } from '../src/inference/engine';
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

/** where a worker's load went, as the engine reports it */
type Phases = LoadPhases;

interface PrewarmSeen {
  state: string;
  ms: number | null;
  modelMs: Record<string, number>;
  /** ms from the slide's open until the key press */
  lookedMs: number;
}

interface Press {
  model: string;
  prewarm: boolean;
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
  /** the screen's patches over the view (its job's total while it ran) */
  screenPatches?: number | null;
  backend: string | null;
  selectMs: number | null;
  remembered: boolean | null;
  /** the notice instead of a heatmap: the first pass's estimate in s (null: no notice) */
  limitEstimateS: number | null;
  /** ms from the keydown to each `mrn:` mark (its first after the key press) */
  marks?: Record<string, number>;
  /** the model's and its screen's worker loads (from backendInfo) */
  phases?: Record<string, (Phases & { prewarmed: boolean; selectMs: number | null }) | null>;
  prewarmSeen?: PrewarmSeen;
  error?: string;
}

/** Presses H with `model` picked and times the view's heatmap from the keydown (in the page). */
async function pressH(
  page: Page,
  model: string,
  capMs: number,
  until: 'coarse' | 'done',
): Promise<Omit<Press, 'screenFirst' | 'visit' | 'prewarm'>> {
  await page.evaluate((v) => window.mrnViewer!.setViewport(v, { immediately: true }), {
    ...CENTRE,
    zoom: ZOOM_10X,
  });
  await call(page, 'heatmap', { model, visible: false });
  // the keydown's time, from a listener in place before the press
  await page.evaluate(() => {
    const w = window as unknown as { pressT0?: number };
    delete w.pressT0;
    performance.clearMarks(); // the prewarm's and the open's: only the press's steps are read back
    window.addEventListener('keydown', () => (w.pressT0 ??= performance.now()), {
      capture: true,
      once: true,
    });
  });
  const watch = page.evaluate(
    ([m, cap, untilCoarse]) =>
      new Promise<{
        coarseMs: number | null;
        firstPatchMs: number | null;
        doneMs: number | null;
        job: Job | null;
        screenTotal: number | null;
      }>((resolve) => {
        const api = window.mrnViewer as unknown as { analysisInfo(): { jobs: Record<string, Job> } };
        const w = window as unknown as { pressT0?: number };
        let coarseMs: number | null = null;
        let firstPatchMs: number | null = null;
        let doneAtCoarse = 0;
        let screenTotal: number | null = null;
        const timer = setInterval(() => {
          const t0 = w.pressT0;
          if (t0 === undefined) return;
          const job = api.analysisInfo().jobs[m];
          if (job?.mode !== 'viewport') return;
          const now = performance.now() - t0;
          if (job.phase === 'screen') {
            screenTotal = job.total; // done/total count the screen's patches then
            return;
          }
          if (coarseMs === null && job.coarse) {
            coarseMs = now;
            // a cascade counts the screen's sure patches as done at the coarse map: later ones are the model's
            doneAtCoarse = job.done;
          }
          if (firstPatchMs === null && job.done > doneAtCoarse) firstPatchMs = now;
          if (untilCoarse && coarseMs !== null) {
            clearInterval(timer);
            resolve({ coarseMs, firstPatchMs, doneMs: null, job: { ...job }, screenTotal });
          }
          if (!job.running && job.total > 0 && job.done === job.total) {
            clearInterval(timer);
            resolve({
              coarseMs,
              firstPatchMs: firstPatchMs ?? now,
              doneMs: now,
              job: { ...job },
              screenTotal,
            });
          }
        }, 10);
        setTimeout(() => {
          clearInterval(timer);
          resolve({
            coarseMs,
            firstPatchMs,
            doneMs: null,
            job: api.analysisInfo().jobs[m] ?? null,
            screenTotal,
          });
        }, cap);
      }),
    [model, capMs, until === 'coarse'] as const,
  );
  await page.keyboard.press('h');
  const w = await watch;
  const limit = (
    await call<{ viewportLimit: { model: string; estimateS: number } | null }>(page, 'analysisInfo')
  ).viewportLimit;
  type Info = {
    backend: string | null;
    prewarmed?: boolean;
    decision: { selectMs: number; remembered?: boolean; phases?: Phases } | null;
  } | null;
  const info = await call<Info>(page, 'backendInfo', model);
  const screenInfo = await call<Info>(page, 'backendInfo', SCREEN).catch(() => null);
  const marks = await page.evaluate(() => {
    const t0 = (window as unknown as { pressT0?: number }).pressT0 ?? 0;
    const out: Record<string, number> = {};
    for (const m of performance.getEntriesByType('mark'))
      if (m.name.startsWith('mrn:') && m.startTime >= t0 && !(m.name.slice(4) in out))
        out[m.name.slice(4)] = Math.round(m.startTime - t0);
    return out;
  });
  const phasesOf = (i: Info) =>
    i?.decision
      ? {
          ...Object.fromEntries(
            Object.entries(i.decision.phases ?? {}).map(([k, v]) => [k, Math.round(v as number)]),
          ),
          prewarmed: i.prewarmed === true,
          selectMs: Math.round(i.decision.selectMs),
        }
      : null;
  return {
    model,
    coarseMs: w.coarseMs === null ? null : Math.round(w.coarseMs),
    firstPatchMs: w.firstPatchMs === null ? null : Math.round(w.firstPatchMs),
    viewDoneMs: w.doneMs === null ? null : Math.round(w.doneMs),
    patches: w.job?.total ?? 0,
    coarsePatches: w.job?.coarse?.patches ?? null,
    screenPatches: w.screenTotal,
    backend: info?.backend ?? null,
    selectMs: info?.decision ? Math.round(info.decision.selectMs) : null,
    remembered: info?.decision?.remembered ?? null,
    limitEstimateS: limit?.model === model ? Math.round(limit.estimateS) : null,
    marks,
    phases: { [model]: phasesOf(info), [SCREEN]: phasesOf(screenInfo) },
  };
}

async function openDemo(page: Page, url: string, model?: string): Promise<void> {
  await page.goto(url);
  await page.waitForFunction(() => !!window.mrnViewer);
  // the model picked before the slide is open, as a user would (the prewarm warms that one)
  if (model) await call(page, 'heatmap', { model, visible: false });
  await page.evaluate((u) => window.mrnViewer!.open(u), DEMO);
  await page.evaluate(() => window.mrnViewer!.ready());
}

/** Looks at the slide for `lookMs`, and with the prewarm on until it has finished (at most `capMs`). */
async function look(page: Page, lookMs: number, capMs: number, openedAt: number): Promise<PrewarmSeen> {
  await page.waitForTimeout(lookMs);
  const settled = ['done', 'off', 'error', 'yielded', 'aborted'];
  const end = Date.now() + capMs;
  type Info = {
    prewarm: { enabled?: boolean; state: string; ms?: number | null; modelMs?: Record<string, number> };
  };
  let p = (await call<Info>(page, 'analysisInfo')).prewarm;
  while (p.enabled !== false && !settled.includes(p.state) && Date.now() < end) {
    await page.waitForTimeout(100);
    p = (await call<Info>(page, 'analysisInfo')).prewarm;
  }
  return { state: p.state, ms: p.ms ?? null, modelMs: p.modelMs ?? {}, lookedMs: Date.now() - openedAt };
}

/** A first visit (fresh context) and a second (reload, heatmaps cleared) of `model`. */
async function visits(
  chrome: Browser,
  appUrl: string,
  model: string,
  setting: { screenFirst: boolean; prewarm: boolean },
  o: { capMs: number; lookMs: number; visits: readonly ('first' | 'second')[]; until: 'coarse' | 'done' },
): Promise<Press[]> {
  const { screenFirst, prewarm } = setting;
  const context = await chrome.newContext({ viewport: { width: 1440, height: 900 } });
  const page = await context.newPage();
  page.setDefaultTimeout(o.capMs + 60_000);
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  const query = [screenFirst ? '' : 'cascade=0', prewarm ? '' : 'prewarm=0'].filter(Boolean).join('&');
  const url = `${appUrl}${query ? `?${query}` : ''}`;
  const out: Press[] = [];
  try {
    // a second visit alone still needs the first to remember the backend: it runs untimed then
    const steps = o.visits.includes('first') ? o.visits : (['first', ...o.visits] as const);
    for (const visit of steps) {
      const timed = o.visits.includes(visit);
      try {
        const openedAt = Date.now();
        await openDemo(page, url, model);
        if (visit === 'second') for (const m of [model, SCREEN]) await call(page, 'clearHeatmap', m);
        const prewarmSeen = await look(page, o.lookMs, o.capMs, openedAt);
        const r = await pressH(page, model, o.capMs, o.until);
        // stop the view's run before the next visit (with --until=coarse it is still going)
        await call(page, 'heatmap', { visible: false });
        if (!timed) continue;
        out.push({
          ...r,
          prewarm,
          screenFirst,
          visit,
          prewarmSeen,
          ...(errors.length ? { error: errors.join('; ') } : {}),
        });
      } catch (e) {
        if (!timed) continue;
        out.push({
          model,
          prewarm,
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

/** The breakdown's steps, in order: ms from the keydown (null: not on this press's path). */
function breakdown(p: Press): Record<string, number | null> {
  const m = p.marks ?? {};
  const at = (k: string) => m[k] ?? null;
  return {
    analysisStart: at(`run-start:${p.model}`),
    screenLoadStart: at(`load-start:${SCREEN}`),
    screenWorkerLoaded: at(`worker-loaded:${SCREEN}`),
    screenTrialsDone: at(`trials-done:${SCREEN}`),
    screenBackendReady: at(`backend-ready:${SCREEN}`),
    modelBackendReady: at(`backend-ready:${p.model}`),
    modelReady: at(`model-ready:${p.model}`),
    screenPlanned: at(`screen-ready:${p.model}`),
    screenTilesRead: at(`screen-read:${p.model}`),
    firstScreenBatch: at(`screen-batch:${p.model}`),
    coarseDrawn: at(`coarse:${p.model}`),
    firstModelPatch: at(`first-patch:${p.model}`),
  };
}

export async function run(args: string[]) {
  if (!existsSync(path.join(ROOT, 'public', DEMO))) throw new Error(`no ${DEMO}: run npm run demo first`);
  const models = (option(args, 'models') ?? 'unet,mrn-bilinear').split(',').filter(Boolean);
  const rounds = Number(option(args, 'rounds') ?? 2);
  const capMs = Number(option(args, 'cap-s') ?? 120) * 1000;
  const lookMs = Number(option(args, 'look-s') ?? 2) * 1000;
  // coarse: each press is watched until its coarse map only (no view-done times), for short runs
  const until = option(args, 'until') === 'coarse' ? 'coarse' : 'done';
  const visitList = (option(args, 'visits') ?? 'first,second')
    .split(',')
    .filter((v): v is 'first' | 'second' => v === 'first' || v === 'second');
  const prewarms = (option(args, 'prewarm') ?? 'on,off').split(',').map((v) => v === 'on');
  const cascades = [true, ...(args.includes('--no-off') ? [] : [false])];
  const settings = cascades.flatMap((screenFirst) => prewarms.map((prewarm) => ({ screenFirst, prewarm })));
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
      await openDemo(warm, `${appUrl}?prewarm=0`).catch(() => {});
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
        for (const setting of r % 2 ? [...settings].reverse() : settings)
          presses.push(
            ...(await visits(chrome, appUrl, model, setting, { capMs, lookMs, visits: visitList, until })),
          );
  } finally {
    await chrome.close();
    await vite.close();
  }
  load.push(os.loadavg());
  const summary = models.flatMap((model) =>
    settings.flatMap(({ screenFirst, prewarm }) =>
      visitList.map((visit) => {
        const rs = presses.filter(
          (p) =>
            p.model === model && p.screenFirst === screenFirst && p.prewarm === prewarm && p.visit === visit,
        );
        const ok = rs.filter((p) => p.viewDoneMs !== null || p.coarseMs !== null);
        const firstHeatmap = ok.map((p) => p.coarseMs ?? p.firstPatchMs ?? Number.NaN);
        const steps = ok.map(breakdown);
        const medianStep = (k: string) =>
          median(steps.flatMap((b) => (b[k] === null || b[k] === undefined ? [] : [b[k]!])));
        return {
          model,
          screenFirst,
          prewarm,
          visit,
          runs: rs.length,
          /** the first heatmap over the view: the coarse map, or the model's first patch without one */
          firstHeatmapMs: median(firstHeatmap),
          firstHeatmapEachMs: firstHeatmap,
          coarseMs: median(ok.flatMap((p) => (p.coarseMs === null ? [] : [p.coarseMs]))),
          viewDoneMs: median(ok.flatMap((p) => (p.viewDoneMs === null ? [] : [p.viewDoneMs]))),
          patches: ok[0]?.patches ?? null,
          screenPatches: ok[0]?.screenPatches ?? null,
          /** median ms from the keydown to each step (null: not on the path, e.g. loads done by the prewarm) */
          breakdownMs: Object.fromEntries(Object.keys(steps[0] ?? {}).map((k) => [k, medianStep(k)])),
          /** the prewarm before the press: its state and ms, and how long the slide was looked at */
          prewarmMs: median(ok.flatMap((p) => (p.prewarmSeen?.ms == null ? [] : [p.prewarmSeen.ms]))),
          lookedMs: median(ok.flatMap((p) => (p.prewarmSeen ? [p.prewarmSeen.lookedMs] : []))),
        };
      }),
    ),
  );
  // prewarm off ÷ on, per model, setting and visit (first heatmap): the speed-up of the prewarm
  const ratios = summary
    .filter((s) => s.prewarm)
    .map((on) => {
      const off = summary.find(
        (s) => !s.prewarm && s.model === on.model && s.screenFirst === on.screenFirst && s.visit === on.visit,
      );
      return {
        model: on.model,
        screenFirst: on.screenFirst,
        visit: on.visit,
        firstHeatmapOffOverOn:
          off?.firstHeatmapMs && on.firstHeatmapMs
            ? Math.round((off.firstHeatmapMs / on.firstHeatmapMs) * 100) / 100
            : null,
      };
    });
  return {
    view: { slide: DEMO, centre: CENTRE, zoom: ZOOM_10X, magnification: '10x', viewport: '1440x900' },
    goal: 'first coarse heatmap within 5 s of pressing H',
    lookMs,
    until,
    loadAverage: load.map((l) => l.map((x) => Math.round(x * 10) / 10)),
    summary,
    ratios,
    presses: presses.map((p) => ({ ...p, breakdownMs: breakdown(p) })),
  };
}
