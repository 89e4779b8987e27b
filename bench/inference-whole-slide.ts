// The whole held-out slide in the app, three ways in one run: the legacy mode, and the default
// settings (`auto`, the default tile) with the cascade off and on. Each run gets a fresh browser
// context (nothing remembered or cached); its wall time counts from analyze() on the open slide to
// its summary, so worker start, model load and the backend trial are in it, as they are for a user.

import type { Browser } from '@playwright/test';
import { call } from '../e2e/api-call';
import {
  analyzeOptions,
  backendFacts,
  openPage,
  type RunSettings,
  reportedTileSize,
  timedAnalyze,
} from './inference-chromium';
import { ratio } from './inference-report';

export interface WholeSlideRun {
  /** 'cascade-on@256': the cascade on 256 px tiles (asked for, beside the default tile) */
  mode: string;
  settings: RunSettings;
  finished?: boolean;
  /** wall ms (estimated from the rate when the run hit the cap) */
  ms?: number;
  mm2PerSecond?: number;
  tiles?: number;
  patches?: unknown;
  analysedAreaMm2?: unknown;
  backend?: string;
  threads?: number | null;
  reportedTileSize?: number | null;
  /** the summary's cascade fields; 'not available' when the app has no cascade */
  cascade?: unknown;
  iou?: number | null;
  dice?: number | null;
  error?: string;
}

export async function wholeSlideRuns(
  chrome: Browser,
  appUrl: string,
  slide: { url: string; tissueMm2: number },
  o: {
    model: string;
    legacy: Omit<RunSettings, 'model'>;
    /** tile sizes also run with the cascade on, beside the default tile */
    tiles: number[];
    capMs: number;
    log: (m: string) => void;
  },
) {
  const plans: WholeSlideRun[] = [
    { mode: 'legacy', settings: { model: o.model, ...o.legacy } },
    { mode: 'cascade-off', settings: { model: o.model, backend: 'auto', cascade: false } },
    { mode: 'cascade-on', settings: { model: o.model, backend: 'auto', cascade: true } },
    ...o.tiles.map((t) => ({
      mode: `cascade-on@${t}`,
      settings: { model: o.model, backend: 'auto', cascade: true, tileSize: t },
    })),
  ];
  const runs: WholeSlideRun[] = [];
  for (const plan of plans) {
    const r: WholeSlideRun = { ...plan };
    const { page, close, errors } = await openPage(
      chrome,
      appUrl,
      slide.url,
      plan.settings,
      o.capMs + 60_000,
    );
    try {
      // the slide's GeoJSON sidecar is its truth: wait for the app to load it, so metrics come back
      await page
        .waitForFunction(
          () => !!(window.mrnViewer!.heatmap as () => { groundTruth: unknown })().groundTruth,
          undefined,
          {
            timeout: 20_000,
          },
        )
        .catch(() => {});
      const t = await timedAnalyze(page, { ...analyzeOptions(plan.settings), region: 'slide' }, o.capMs);
      r.finished = t.finished;
      r.ms = t.finished ? t.ms : Math.round((t.ms * t.total) / Math.max(t.tiles, 1));
      r.mm2PerSecond = Math.round((slide.tissueMm2 / (r.ms / 1000)) * 1e4) / 1e4;
      r.tiles = t.total;
      const s = t.summary ?? {};
      r.patches = s.patches;
      r.analysedAreaMm2 = s.analysedAreaMm2;
      r.reportedTileSize = reportedTileSize(t.summary);
      r.cascade = 'cascade' in s ? s.cascade : 'not available';
      const facts = await backendFacts(page, o.model);
      r.backend = facts.chosen;
      r.threads = facts.threads;
      const metrics = (s.metrics ?? null) as { iou?: number; dice?: number } | null;
      const stats = await call<{ iou?: number; dice?: number } | null>(page, 'heatmapStats', o.model);
      // a run stopped at the cap covers part of the slide: no IoU for it
      r.iou = t.finished ? (metrics?.iou ?? stats?.iou ?? null) : null;
      r.dice = t.finished ? (metrics?.dice ?? stats?.dice ?? null) : null;
      if (errors.length) r.error = `page errors: ${errors.join('; ')}`;
    } catch (e) {
      r.error = (e as Error).message.split('\n')[0];
    } finally {
      await close();
    }
    runs.push(r);
    o.log(JSON.stringify(r));
  }
  const by = (m: string) => runs.find((r) => r.mode === m && r.mm2PerSecond !== undefined);
  const [legacy, off, on] = [by('legacy'), by('cascade-off'), by('cascade-on')];
  const iouDelta =
    typeof on?.iou === 'number' && typeof legacy?.iou === 'number'
      ? {
          cascadeOnMinusLegacy: Math.round((on.iou - legacy.iou) * 1e4) / 1e4,
          allowed: -0.005,
          withinAllowed: on.iou - legacy.iou >= -0.005,
        }
      : null;
  return {
    tissueMm2: slide.tissueMm2,
    runs,
    ratios: {
      defaultVsLegacy: ratio(on?.mm2PerSecond, legacy?.mm2PerSecond),
      cascadeOffVsLegacy: ratio(off?.mm2PerSecond, legacy?.mm2PerSecond),
      cascadeSpeedup: ratio(on?.mm2PerSecond, off?.mm2PerSecond),
      ...Object.fromEntries(
        o.tiles.map((t) => [
          `cascadeOn${t}VsLegacy`,
          ratio(by(`cascade-on@${t}`)?.mm2PerSecond, legacy?.mm2PerSecond),
        ]),
      ),
      iouDelta,
    },
  };
}
