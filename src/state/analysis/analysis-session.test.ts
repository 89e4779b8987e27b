import 'fake-indexeddb/auto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { toGeoJson } from '../../annotations/geojson';
import { openResultsDb } from '../../heatmap/result-persistence';
import { analysisStore, getAnalysis } from '../analysis-store';
import { appStore, getState } from '../app-store';
import {
  asViewer,
  disposeSessions,
  fakeEngine,
  fakeLayers,
  fakeViewer,
  openInStore,
  patternEntry,
  resetStores,
  slideSource,
  testSession,
  until,
} from './analysis-fakes.fixture';
import type { AnalysisSessionOptions } from './analysis-session';

const REGION = { x: 300, y: 250, width: 240, height: 160 };
// one tumour rectangle, as a QuPath GeoJSON file
const TRUTH = toGeoJson([
  {
    name: 'tumour',
    classification: 'Tumor',
    positive: true,
    rings: [
      [
        [300, 250],
        [420, 250],
        [420, 330],
        [300, 330],
      ],
    ],
  },
]);

afterEach(disposeSessions);

function setup(options: Partial<AnalysisSessionOptions> = {}, dbName = `db-${Math.random()}`) {
  const source = slideSource();
  const viewer = fakeViewer(source);
  const compare = fakeViewer();
  const engine = fakeEngine([patternEntry('left-model'), patternEntry('right-model')]);
  const layers = fakeLayers();
  const sidecars: string[] = [];
  const session = testSession(
    source,
    {
      engine,
      createLayer: layers.create,
      createCompareViewer: () => asViewer(compare),
      openDb: () => openResultsDb(dbName),
      fetchSidecar: async (url) => {
        sidecars.push(url);
        return { ok: false, text: async () => '' };
      },
      ...options,
    },
    viewer,
  );
  return { session, source, viewer, compare, engine, layers, sidecars };
}

describe('AnalysisSession (fake engine and viewers, real planner, scheduler, stores and IndexedDB)', () => {
  beforeEach(resetStores);

  it('analyses a region into the store the overlay and the samples read, with progress and stats', async () => {
    const { session, source, engine, layers } = setup();
    openInStore(source);
    await session.models.loadModels();
    expect(getAnalysis().model).toBe('left-model');
    const r = await session.analyze('left-model', REGION, { backend: 'wasm' });
    expect(r.patches).toBeGreaterThan(4);
    expect(r.patches).toBe(engine.predicted);
    expect(r.backend).toBe('wasm');
    expect(r.model.id).toBe('left-model');
    // the fake model outputs red / 255: a store pixel covers 2 × 2 level-0 px at 1 µm/px on 0.5
    const px = await source.readRegion({ x: 400, y: 300, width: 1, height: 1, downsample: 2 });
    expect(session.exports.sample('left-model', 401, 301)).toBeCloseTo(px.data[0] / 255, 2);
    expect(session.exports.sample('left-model', 5, 5)).toBeNull();
    const job = getAnalysis().jobs['left-model'];
    expect(job).toMatchObject({ mode: 'region', running: false, done: r.patches, total: r.patches });
    expect(getAnalysis().stats['left-model'].patches).toBe(r.patches);
    expect(layers.layers[0].refreshes).toBeGreaterThan(0);
    // one summary builder: the export counts every patch the store holds
    const csv = await session.exports.summaryText('left-model', 'csv');
    expect(csv).toMatch(new RegExp(`patches,${r.patches}`));
    expect(session.exportName('left-model')).toBe('synthetic.left-model');
  });

  it('restores results from IndexedDB for the same slide and model version, and forgets them on clear', async () => {
    const db = `db-${Math.random()}`;
    const first = setup({}, db);
    openInStore(first.source);
    const r = await first.session.analyze('left-model', REGION, { backend: 'wasm' });
    expect(r.patches).toBeGreaterThan(0);
    first.session.dispose();
    resetStores();
    const second = setup({}, db);
    openInStore(second.source);
    const again = await second.session.analyze('left-model', REGION, { backend: 'wasm' });
    expect(again.patches).toBe(0);
    expect(second.engine.predicted).toBe(0);
    expect(second.session.exports.stats('left-model')?.patches).toBe(r.patches);
    await second.session.clearResults('left-model');
    expect(second.session.exports.stats('left-model')?.patches).toBe(0);
    const third = await second.session.analyze('left-model', REGION, { backend: 'wasm' });
    expect(third.patches).toBe(r.patches);
  });

  it('setBackend restarts the workers on the new backend and warns when it falls back', async () => {
    const { session, source, engine } = setup();
    openInStore(source);
    await session.analyze('left-model', REGION, { backend: 'wasm' });
    expect(engine.started.map((s) => s.backend)).toEqual(['wasm']);
    session.display.setBackend('webgpu');
    expect(getAnalysis().runtimes).toEqual({});
    await until(() => engine.terminated === 1);
    await session.analyze('left-model', { ...REGION, x: 100 });
    expect(engine.started.map((s) => s.backend)).toEqual(['wasm', 'webgpu']);
    expect(getAnalysis().runtimes['left-model'].backend).toBe('wasm');
    expect(getState().notice?.message).toMatch(/WebGPU could not run left-model \(no adapter\); using wasm/);
  });

  it('style changes redraw without starting runs; showing the heatmap starts a viewport run', async () => {
    const { session, source, engine, layers } = setup();
    openInStore(source);
    await session.models.loadModels();
    const before = layers.layers[0].refreshes;
    session.display.setStyle({ colormap: 'viridis', opacity: 0.3 });
    expect(getAnalysis()).toMatchObject({ colormap: 'viridis', opacity: 0.3 });
    expect(layers.layers[0].refreshes).toBe(before + 1);
    await new Promise((r) => setTimeout(r, 500));
    expect(engine.started).toEqual([]);
    session.display.setHeatmapVisible(true);
    expect(layers.layers[0].visible).toBe(true);
    const job = await until(() => {
      const j = getAnalysis().jobs['left-model'];
      return j && !j.running && j.done > 0 ? j : null;
    });
    expect(job.mode).toBe('viewport');
    expect(layers.layers[0].content()?.sampler).not.toBeNull();
    session.display.setHeatmapVisible(false);
    expect(layers.layers[0].visible).toBe(false);
  });

  it('the split view opens the slide on the right, analyses both, and closes again', async () => {
    const { session, source, compare, layers } = setup();
    openInStore(source);
    await session.display.setCompare(true, { left: 'left-model', right: 'right-model' });
    expect(analysisStore.getState().compare).toBe(true);
    expect(compare.slide).toBe(source);
    expect(layers.layers).toHaveLength(2);
    expect(layers.layers[1].visible).toBe(true);
    const jobs = await until(() => {
      const j = getAnalysis().jobs;
      return j['left-model']?.done && j['right-model']?.done && !j['right-model'].running ? j : null;
    });
    expect(jobs['right-model'].mode).toBe('viewport');
    // difference view: the right layer draws right − left
    session.display.setDifference(true);
    expect(layers.layers[1].content()?.style.colormap).toBe('RdBu');
    // the lock: the compare viewer follows the main one
    session.onMainView({ x: 123, y: 456, zoom: 2 });
    expect(compare.view).toEqual({ x: 123, y: 456, zoom: 2 });
    session.display.setLock(false);
    session.onMainView({ x: 700, y: 456, zoom: 2 });
    expect(compare.view?.x).toBe(123);
    await session.display.setCompare(false);
    expect(compare.closed).toBe(1);
    expect(layers.layers[1].visible).toBe(false);
  });

  it('loads the sidecar beside the slide URL whatever its type; a bad one is reported', async () => {
    const good = setup({ fetchSidecar: async () => ({ ok: true, text: async () => TRUTH }) });
    openInStore(good.source, '/slides/case.svs?token=1');
    const truth = await until(() => getAnalysis().groundTruth);
    expect(truth).toEqual({ name: 'case.geojson', regions: 1, channels: ['tumour'] });
    const r = await good.session.analyze('left-model', REGION, { backend: 'wasm' });
    expect(r.metrics?.dice).toBeGreaterThanOrEqual(0);
    expect(r.stats.dice).toBeGreaterThanOrEqual(0);
    good.session.dispose();
    resetStores();
    const bad = setup({ fetchSidecar: async () => ({ ok: true, text: async () => '{"type": "Feature' }) });
    openInStore(bad.source, '/slides/case.tiff');
    const notice = await until(() => getState().notice);
    expect(notice.kind).toBe('warning');
    expect(notice.message).toMatch(/case\.geojson could not be read/);
    expect(getAnalysis().groundTruth).toBeNull();
  });

  it('passes its signal to the model list fetch and the workers, and dispose aborts them', async () => {
    const { session, source, engine } = setup();
    const seen: (AbortSignal | undefined)[] = [];
    const list = engine.fetchModels;
    engine.fetchModels = (base, o) => {
      seen.push(o.signal);
      return list(base, o);
    };
    const start = engine.startInference;
    engine.startInference = (url, o) => {
      seen.push(o.signal);
      return start(url, o);
    };
    openInStore(source);
    await session.analyze('left-model', REGION, { backend: 'wasm' });
    expect(seen).toHaveLength(2);
    expect(seen.every((s) => s && !s.aborted)).toBe(true);
    session.dispose();
    expect(seen.every((s) => s?.aborted)).toBe(true);
  });

  it('a File (no URL) has no sidecar; a slide without mpp asks for it', async () => {
    const { session, source, sidecars } = setup();
    openInStore(source, null);
    await session.models.loadModels();
    expect(sidecars).toEqual([]);
    appStore.setState({ metadata: { ...source.metadata, mpp: null } });
    await expect(session.analyze('left-model', REGION)).rejects.toThrow(/does not say its resolution/);
    expect(getState().mppPromptOpen).toBe(true);
  });

  it('closing the slide aborts the context: tissue detection and reads stop, results are dropped', async () => {
    const source = slideSource();
    const signals: AbortSignal[] = [];
    const hanging = {
      readRegion: (r: { signal?: AbortSignal }) => {
        if (r.signal) signals.push(r.signal);
        return new Promise<never>((_, reject) =>
          r.signal?.addEventListener('abort', () => reject(r.signal?.reason)),
        );
      },
      metadata: source.metadata,
    };
    const session = testSession(hanging, { engine: fakeEngine([patternEntry('m')]), viewRect: () => null });
    openInStore(source, null);
    const run = session.analyze('m', REGION, { backend: 'wasm' });
    await until(() => signals.length > 0);
    appStore.setState({ status: 'idle', metadata: null });
    await expect(run).rejects.toThrow();
    expect(signals.every((s) => s.aborted)).toBe(true);
    expect(getAnalysis().jobs).toEqual({});
  }, 20_000);
});
