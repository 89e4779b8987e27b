// Test support (not shipped): fakes for the engine, the viewers and the overlay layers, so the
// analysis session runs in Node over a synthetic slide with the real planner, scheduler, stores,
// tissue detection and IndexedDB (fake-indexeddb) code.

import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { ModelEntry } from '../../analysis/model-index';
import { openResultsDb } from '../../heatmap/result-persistence';
import type { BackendChoice } from '../../inference/backend-types';
import type { InferenceHandle } from '../../inference/inference-client';
import { parseModelCardText } from '../../inference/model-card';
import { type SyntheticSource, syntheticSource } from '../../slide/synthetic-source.fixture';
import type { LayerContent } from '../../viewer/heatmap-layer';
import type { ViewState } from '../../viewer/view-math';
import type { SlideViewer } from '../../viewer/viewer-controller';
import { analysisStore, initialAnalysisState } from '../analysis-store';
import { appStore, initialAppState } from '../app-store';
import { AnalysisSession, type AnalysisSessionOptions } from './analysis-session';
import type { EngineDeps } from './model-runtimes';

const ROOT = path.resolve(import.meta.dirname, '../../..');

/** Red channel ramp over tissue, white glass around it (so Otsu finds the tissue). */
export const paint = (x: number, y: number): [number, number, number] =>
  x < 40 || y < 40 || x >= 960 || y >= 760 ? [250, 250, 250] : [(x + 2 * y) % 200, 90, 150];

export const slideSource = (): SyntheticSource => syntheticSource(1000, 800, paint);

/** The shipped test-pattern card under another id: output = target red / 255. */
export function patternEntry(id: string): ModelEntry {
  const text = readFileSync(path.join(ROOT, 'models/test-pattern/card.json'), 'utf8');
  const card = parseModelCardText(text.replace('"id": "test-pattern"', `"id": "${id}"`), id);
  return { id, url: `/models/${id}/`, card: { ...card, name: `Model ${id}` }, error: null };
}

export interface FakeEngine extends EngineDeps {
  started: { url: string; backend: BackendChoice; tileSize?: number | null }[];
  /** the card text each start was given (undefined: the worker would fetch card.json) */
  cards: (string | undefined)[];
  terminated: number;
  predicted: number;
  /** backends the fake "browser" can run; others fall back to wasm */
  available: Set<string>;
}

export function fakeEngine(models: ModelEntry[]): FakeEngine {
  const engine: FakeEngine = {
    started: [],
    cards: [],
    terminated: 0,
    predicted: 0,
    available: new Set(['wasm', 'cpu']),
    fetchModels: async () => models,
    fetch: async () => ({ ok: false, status: 404, text: async () => '' }),
    async startInference(url, { backend, tileSize, card }) {
      engine.started.push({ url, backend, tileSize });
      engine.cards.push(card);
      const chosen = backend === 'auto' || !engine.available.has(backend) ? 'wasm' : backend;
      const timings =
        backend !== 'auto' && chosen !== backend ? [{ backend, ok: false, error: 'no adapter' }] : [];
      const handle: InferenceHandle = {
        batchSize: 4,
        decision: {
          requested: backend,
          chosen,
          timings,
          adapter: null,
          lost: [],
          threads: 1,
          fusedConvs: 0,
          isolated: false,
          remembered: false,
          selectMs: 0,
        } as InferenceHandle['decision'],
        card: models[0].card!,
        spec: {
          id: 'fake',
          inputs: [{ name: 'target', size: 64, channels: 3, mpp: 1 }],
          output: { name: 'probability', size: 64, channels: 1 },
        },
        geometry: { targetSize: 64, targetMpp: 1 },
        async predict(inputs, count) {
          engine.predicted += count;
          const target = inputs.target;
          const out = new Float32Array(count * 64 * 64);
          for (let i = 0; i < out.length; i++) out[i] = target[i * 3]; // bytes/255: red
          return out;
        },
        fallback: async () => 'cpu',
        memory: async () => ({ numTensors: 0, numBytes: 0, backend: chosen }),
        terminate: () => {
          engine.terminated++;
        },
      };
      return handle;
    },
  };
  return engine;
}

export interface FakeViewer {
  slide: object | null;
  view: ViewState | null;
  opened: number;
  closed: number;
  open(slide: object, startedAt: number, view?: ViewState | null): Promise<void>;
  close(): void;
  getView(current?: boolean): ViewState | null;
  setView(v: ViewState): void;
  whenFullyLoaded(): Promise<void>;
}

export function fakeViewer(slide: object | null = null): FakeViewer {
  const v: FakeViewer = {
    slide,
    view: { x: 500, y: 400, zoom: 1 },
    opened: 0,
    closed: 0,
    async open(s, _t, view) {
      v.opened++;
      v.slide = s;
      if (view) v.view = view;
    },
    close() {
      v.closed++;
      v.slide = null;
    },
    getView: () => v.view,
    setView(view) {
      v.view = view;
    },
    whenFullyLoaded: async () => {},
  };
  return v;
}

export const asViewer = (v: FakeViewer) => v as unknown as SlideViewer;

export interface FakeLayer {
  visible: boolean;
  refreshes: number;
  content: () => LayerContent | null;
  setVisible(v: boolean): void;
  refresh(): void;
  info(): { visible: boolean; items: number; worldItems: number; tilesRendered: number };
}

export function fakeLayers(): {
  layers: FakeLayer[];
  create: (v: SlideViewer, c: () => LayerContent | null) => FakeLayer;
} {
  const layers: FakeLayer[] = [];
  return {
    layers,
    create: (_v, content) => {
      const l: FakeLayer = {
        visible: false,
        refreshes: 0,
        content,
        setVisible(visible) {
          l.visible = visible;
        },
        refresh() {
          l.refreshes++;
        },
        info: () => ({ visible: l.visible, items: 0, worldItems: 0, tilesRendered: 0 }),
      };
      layers.push(l);
      return l;
    },
  };
}

export function resetStores(): void {
  appStore.setState({ ...initialAppState }, true);
  analysisStore.setState({ ...initialAnalysisState }, true);
}

/** Puts the app store in the state SlideSession leaves after opening `source` from `slideUrl`. */
export function openInStore(
  source: SyntheticSource,
  slideUrl: string | null = '/slides/synthetic.tiff',
): void {
  appStore.setState({ status: 'ready', metadata: { ...source.metadata }, slideUrl, error: null });
}

/** Polls `check` until it returns a value that is not null/undefined/false (fails after `ms`). */
export async function until<T>(check: () => T | null | undefined | false, ms = 10_000): Promise<T> {
  const t0 = Date.now();
  for (;;) {
    const v = check();
    if (v !== null && v !== undefined && v !== false) return v;
    if (Date.now() - t0 > ms) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 10));
  }
}

const sessions: AnalysisSession[] = [];

/**
 * An AnalysisSession over a fake viewer of `source`, with the test seams filled (fake layers, a
 * fresh IndexedDB, no sidecar) unless `options` gives them; disposed by disposeSessions().
 */
export function testSession(
  source: object,
  options: Pick<AnalysisSessionOptions, 'engine'> & Partial<AnalysisSessionOptions>,
  viewer: FakeViewer = fakeViewer(source),
): AnalysisSession {
  const session = new AnalysisSession(
    { viewer: asViewer(viewer) },
    {
      createLayer: fakeLayers().create,
      viewRect: () => ({ x: 380, y: 300, width: 240, height: 200 }),
      openDb: () => openResultsDb(`db-${Math.random()}`),
      fetchSidecar: async () => ({ ok: false, text: async () => '' }),
      ...options,
    },
  );
  sessions.push(session);
  return session;
}

/** afterEach: disposes the sessions testSession made. */
export function disposeSessions(): void {
  for (const s of sessions.splice(0)) s.dispose();
}
