// The coarse-to-fine cascade: the screen model runs over its own plan of the region, then every
// planned patch of the expensive (fine) model is either filled from the screen (the screen is
// sure there, cascade-policy.ts) or queued for the fine model, which then runs on those only.
//
// Usage:
//   const r = await runCascade({ screen: { ...screenJob, patches: screenPlan.patches }, fine: fineJob,
//                                screenStore, fineStore, policy, umPerPx: slideMpp, coarseAll: true });
//   r.screenPatches, r.refinedPatches, r.skippedPatches
//
// With `skip: false` (a preview) no patch is filled for good: the fine model runs on all of them.
// With `coarseAll`, the patches that will be refined first get the screen's values too, so a viewer
// shows the whole region coarse at once and it sharpens where the fine model lands. Those cells
// are kept in `provisional` until refined; `cascadeSink` makes the scheduler and the planner treat
// them as not analysed yet (so an aborted run is resumed, not taken for done).

import type { PlannedPatch } from '../geometry/patch-geometry';
import { type CascadePolicy, type ScreenMap, screenFill, screenVerdict } from './cascade-policy';
import { type AnalysisJob, type AnalysisResult, type ResultSink, runAnalysis } from './scheduler';

/** Cells (`col,row`) of a fine store that hold the screen's values until the fine model lands. */
export type ProvisionalCells = Set<string>;

export const cellKey = (col: number, row: number) => `${col},${row}`;

/** The fine store seen through its provisional cells: those are not analysed yet. */
export function cascadeSink(store: ResultSink, provisional: ProvisionalCells | undefined): ResultSink {
  if (!provisional) return store;
  return {
    has: (col, row) => store.has(col, row) && !provisional.has(cellKey(col, row)),
    putPatch: (patch, output, slot) => {
      store.putPatch(patch, output, slot);
      provisional.delete(cellKey(patch.col, patch.row));
    },
  };
}

export interface CascadeJob {
  /** the screen's run: its model, its plan of the region, its store */
  screen: AnalysisJob;
  /** the fine model's run over its plan of the region (its store is the fine store) */
  fine: AnalysisJob;
  screenStore: ScreenMap;
  policy: CascadePolicy;
  /** µm per level-0 pixel (the halo is in µm) */
  umPerPx: number;
  /** fine output edge in pixels (the fill buffer's size) */
  targetSize: number;
  /** also write coarse values into the cells that will be refined (live display) */
  coarseAll?: boolean;
  /**
   * false: a preview, never a skip: every patch is refined by the fine model (with coarseAll, shown
   * coarse first), so the result is the fine model's everywhere. For models the policy was not
   * tuned for (the 1 µm/px U-Net). Default true.
   */
  skip?: boolean;
  provisional?: ProvisionalCells;
  /**
   * after the screen's own pass, before any verdict: the screen patches another run was computing
   * (compare mode: src/state/analysis/screen-claims.ts) are waited for here
   */
  afterScreen?: () => Promise<void>;
  /** once the screen has run and the sure patches are filled */
  onCoarse?: (counts: { skipped: number; refine: number }) => void;
}

/** What a cascade run reports, in the viewer's analyze() and in a batch run alike. */
export interface CascadeCounts {
  screenModel: string;
  /** screen patches computed in this run */
  screenPatches: number;
  /** patches of the model computed by it (where the screen was unsure) */
  refinedPatches: number;
  /** patches of the model filled from the screen instead */
  skippedPatches: number;
  refineMs: number;
  policy: CascadePolicy;
}

export interface CascadeResult {
  screen: AnalysisResult;
  fine: AnalysisResult;
  /** screen patches computed in this run (cached ones not counted) */
  screenPatches: number;
  /** fine patches the fine model computed */
  refinedPatches: number;
  /** fine patches filled from the screen instead */
  skippedPatches: number;
  screenMs: number;
  refineMs: number;
}

export async function runCascade(job: CascadeJob): Promise<CascadeResult> {
  const t0 = performance.now();
  const screen = await runAnalysis(job.screen);
  await job.afterScreen?.();
  const sink = cascadeSink(job.fine.store, job.provisional);
  const refine: PlannedPatch[] = [];
  let skipped = 0;
  for (const patch of job.fine.patches) {
    if (sink.has(patch.col, patch.row)) continue;
    const verdict =
      job.skip === false
        ? 'uncertain'
        : screenVerdict(job.screenStore, patch.keepOnSlide, job.policy, job.umPerPx);
    if (verdict === 'uncertain') {
      refine.push(patch);
      if (job.coarseAll) {
        job.fine.store.putPatch(patch, screenFill(job.screenStore, patch, job.targetSize), 0);
        job.provisional?.add(cellKey(patch.col, patch.row));
      }
    } else {
      sink.putPatch(patch, screenFill(job.screenStore, patch, job.targetSize), 0);
      skipped++;
    }
  }
  if (skipped > 0 || job.coarseAll) job.fine.onBatch?.([]);
  job.onCoarse?.({ skipped, refine: refine.length });
  const t1 = performance.now();
  const fine = await runAnalysis({ ...job.fine, patches: refine, store: sink });
  return {
    screen,
    fine,
    screenPatches: screen.done - screen.cached,
    refinedPatches: fine.done - fine.cached,
    skippedPatches: skipped,
    screenMs: t1 - t0,
    refineMs: performance.now() - t1,
  };
}
