// Analysis UI state (models, heatmap style, compare, progress) in its own zustand store, next to
// the app store. AnalysisSession writes it; React reads it through useAnalysisStore.

import { useStore } from 'zustand';
import { createStore } from 'zustand/vanilla';
import type { HeatmapStats } from '../analysis/heatmap-stats';
import type { ModelEntry } from '../analysis/model-index';
import type { Progress } from '../analysis/scheduler';
import type { ViewportLimit } from '../analysis/viewport-limit';
import type { SequentialColormap } from '../heatmap/colormap';
import type { BackendChoice } from '../inference/backend-types';
import type { BackendDecision } from '../inference/engine';
import type { FlipCount } from '../inference/flip-count';

export interface RuntimeInfo {
  status: 'loading' | 'ready' | 'error';
  backend: string | null;
  decision: BackendDecision | null;
  error: string | null;
  /** the prewarm started this worker (before any run asked for it) */
  prewarmed?: boolean;
}

/** The prewarm (src/state/analysis/prewarm.ts): what it warmed while the user looked at the slide. */
export interface PrewarmInfo {
  /** the setting (`?prewarm=0` or the panel turns it off) */
  enabled: boolean;
  /** waiting: for an idle page; yielded: a run started first; aborted: slide closed / setting off */
  state: 'off' | 'idle' | 'waiting' | 'running' | 'done' | 'yielded' | 'aborted' | 'error';
  /** the models it warms, in order (the screen first) */
  models: string[];
  /** those whose worker it saw ready (backend chosen, model built and warmed up) */
  ready: string[];
  /** wall ms from its start (after the idle wait) to every model ready */
  ms: number | null;
  /** wall ms per model */
  modelMs: Record<string, number>;
  error: string | null;
}

/** A run's progress (the scheduler's), with what it is and whether it still runs. */
export interface JobInfo extends Progress {
  model: string;
  mode: 'viewport' | 'region' | 'slide';
  running: boolean;
  /** a cascade run: the coarse screen first, then the model where the screen is unsure */
  phase?: 'screen' | 'refine';
  /** a cascade run's coarse heatmap: patches of this model it covered, ms from the start */
  coarse?: { patches: number; ms: number };
}

/** A batch result opened over the slide: its stored summary, as the batch wrote it. */
export interface StoredResultInfo {
  model: string;
  modelName: string;
  slide: string;
  /** folder or URL it was read from */
  from: string;
  tumourAreaMm2: number;
  analysedAreaMm2: number;
  patches: number;
  backend: string;
  elapsedMs: number;
  threshold: number;
  /** tumour regions in its regions.geojson */
  regions: number;
  dice: number | null;
  iou: number | null;
  createdAt: string;
}

export interface AnalysisState {
  models: ModelEntry[];
  modelsError: string | null;
  backend: BackendChoice;
  panelOpen: boolean;
  heatmapVisible: boolean;
  /** model of the main (left) viewer */
  model: string | null;
  colormap: SequentialColormap;
  opacity: number;
  threshold: number;
  outline: boolean;
  showTruth: boolean;
  compare: boolean;
  /** model of the right viewer in compare mode */
  right: string | null;
  lock: boolean;
  difference: boolean;
  runtimes: Record<string, RuntimeInfo>;
  jobs: Record<string, JobInfo>;
  stats: Record<string, HeatmapStats>;
  groundTruth: TruthInfo | null;
  /** batch results opened over the open slide, per model */
  batchResults: Record<string, StoredResultInfo>;
  /** inference tile edge in target px (`?tile=64`); null: each model's default (model-tiles.ts) */
  tileSize: number | null;
  /** coarse-to-fine cascade for models with a screen (`?cascade=0` turns it off) */
  cascade: boolean;
  /** test-time flip averaging for every model (`?flips=4`; src/inference/flip-average.ts); null: each card's `flips`, else none */
  flips: FlipCount | null;
  /** the viewport was not analysed: even its coarse screen would take too long at this zoom */
  viewportLimit: ViewportLimit | null;
  /** warm the chosen model's workers while the slide is looked at (`?prewarm=0` turns it off) */
  prewarm: boolean;
  prewarmInfo: PrewarmInfo | null;
}

/** What ground truth is loaded (annotation file or label mask) and which output channels it is truth for. */
export interface TruthInfo {
  name: string;
  /** annotation regions (0 for a label mask) */
  regions: number;
  /** the output channels it is truth for: 'tumour' (annotations), 'gland' and 'tumour' (a graded mask) */
  channels: ('tumour' | 'gland')[];
  /** a label mask's grade (null: unknown, so no tumour truth); absent for annotation files */
  grade?: 'benign' | 'malignant' | null;
}

export const initialAnalysisState: AnalysisState = {
  models: [],
  modelsError: null,
  backend: 'auto',
  panelOpen: false,
  heatmapVisible: false,
  model: null,
  colormap: 'inferno',
  opacity: 0.55,
  threshold: 0.5,
  outline: true,
  showTruth: true,
  compare: false,
  right: null,
  lock: true,
  difference: false,
  runtimes: {},
  jobs: {},
  stats: {},
  groundTruth: null,
  batchResults: {},
  tileSize: null,
  cascade: true,
  flips: null,
  viewportLimit: null,
  prewarm: true,
  prewarmInfo: null,
};

export const analysisStore = createStore<AnalysisState>()(() => ({ ...initialAnalysisState }));

export const getAnalysis = (): AnalysisState => analysisStore.getState();

export function setAnalysis(patch: Partial<AnalysisState>): void {
  analysisStore.setState(patch);
}

export function useAnalysisStore<T>(selector: (s: AnalysisState) => T): T {
  return useStore(analysisStore, selector);
}
