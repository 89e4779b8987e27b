// The cascade part of scripts/eval.ts (--cascade): on each slide, for each MRN model with a screen
// (cascadeScreenFor), a real cascade run (screen over the whole slide, then the MRN only where the
// screen is unsure, src/analysis/cascade.ts) scored against the same truth, beside the MRN-everywhere
// run; and, for tuning (--cascade-sweep), every candidate policy replayed exactly from the two stores
// of that slide (a skipped patch gets the screen's fill, a refined one the MRN's own cell: what a
// cascade run with that policy stores, since each patch's output depends only on its own inputs).

import { runCascade } from '../src/analysis/cascade';
import {
  type CascadePolicy,
  type ScreenMap,
  screenFill,
  screenVerdict,
} from '../src/analysis/cascade-policy';
import { wholeSlideSetup } from '../src/analysis/whole-slide';
import type { PlannedPatch } from '../src/geometry/patch-geometry';
import { segmentationMetrics, type Truth } from '../src/heatmap/metrics';
import { ProbabilityStore } from '../src/heatmap/probability-store';
import { createEngine } from '../src/inference/engine';
import type { LoadedModel } from '../src/inference/model-loader';
import type { SlideSource } from '../src/slide/slide-types';
import type { TissueMask } from '../src/tissue/tissue-detection';

/** `low:high:haloUm` entries separated by commas. */
export function parsePolicies(text: string): CascadePolicy[] {
  return text
    .split(',')
    .filter(Boolean)
    .map((s) => {
      const [low, high, haloUm] = s.split(':').map(Number);
      if (!(low >= 0 && high <= 1 && low < high && haloUm >= 0))
        throw new RangeError(`cascade policy "${s}" is not low:high:haloUm with 0 ≤ low < high ≤ 1`);
      return { low, high, haloUm };
    });
}

/** The store a cascade with `policy` would leave, from the screen's store and the MRN-everywhere store. */
export function replayCascade(
  full: ProbabilityStore,
  screen: ScreenMap,
  patches: PlannedPatch[],
  policy: CascadePolicy,
  umPerPx: number,
): { store: ProbabilityStore; skipped: number } {
  const store = new ProbabilityStore(full.info);
  let skipped = 0;
  for (const p of patches) {
    if (screenVerdict(screen, p.keepOnSlide, policy, umPerPx) === 'uncertain') {
      const cell = full.getCell(p.col, p.row);
      if (cell) store.setCell(p.col, p.row, cell);
    } else {
      store.putPatch(p, screenFill(screen, p, full.info.targetSize), 0);
      skipped++;
    }
  }
  return { store, skipped };
}

export interface CascadeRun {
  store: ProbabilityStore;
  screenStore: ProbabilityStore;
  patches: PlannedPatch[];
  screenPatches: number;
  refinedPatches: number;
  skippedPatches: number;
  seconds: number;
  screenSeconds: number;
}

/** One real cascade run over the whole slide, each model on its own engine (load not timed). */
export async function cascadeWholeSlide(o: {
  fine: LoadedModel;
  screen: LoadedModel;
  source: SlideSource;
  slideMpp: number;
  tissue: TissueMask | null;
  screenTissue: TissueMask | null;
  policy: CascadePolicy;
  backend: 'wasm' | 'cpu';
  margin?: number;
  signal: AbortSignal;
}): Promise<CascadeRun> {
  const engines = [o.screen, o.fine].map(() =>
    createEngine({ backend: o.backend, candidates: [o.backend], signal: o.signal }),
  );
  try {
    await engines[0].load(o.screen.artifacts, o.screen.spec);
    await engines[1].load(o.fine.artifacts, o.fine.spec);
    const base = { source: o.source, slideMpp: o.slideMpp, margin: o.margin };
    const s = wholeSlideSetup({
      ...base,
      geometry: o.screen.geometry,
      modelId: o.screen.card.id,
      tissue: o.screenTissue,
    });
    const f = wholeSlideSetup({
      ...base,
      geometry: o.fine.geometry,
      modelId: o.fine.card.id,
      tissue: o.tissue,
    });
    const job = (m: LoadedModel, setup: typeof s, predictor: (typeof engines)[number]) => ({
      source: o.source,
      slideMpp: o.slideMpp,
      spec: m.spec,
      geometry: m.geometry,
      patches: setup.plan.patches,
      predictor,
      store: setup.store,
      contextCache: setup.contextCache,
      signal: o.signal,
    });
    const t0 = performance.now();
    const r = await runCascade({
      screen: job(o.screen, s, engines[0]),
      fine: job(o.fine, f, engines[1]),
      screenStore: s.store,
      policy: o.policy,
      umPerPx: o.slideMpp,
      targetSize: o.fine.geometry.targetSize,
    });
    return {
      store: f.store,
      screenStore: s.store,
      patches: f.plan.patches,
      screenPatches: r.screenPatches,
      refinedPatches: r.refinedPatches,
      skippedPatches: r.skippedPatches,
      seconds: (performance.now() - t0) / 1000,
      screenSeconds: r.screenMs / 1000,
    };
  } finally {
    for (const e of engines) e.dispose();
  }
}

export const scoreStore = (store: ProbabilityStore, truth: Truth, threshold: number) => {
  const m = segmentationMetrics(store, truth, { threshold });
  return { tp: m.tp, fp: m.fp, fn: m.fn, tn: m.tn };
};
