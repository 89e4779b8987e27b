// Batch results opened over a slide in the analysis session (fake engine and viewers; real
// planner, scheduler, stores and files): the stored store is shown with no recomputation, its
// stats are the stored numbers, and after clearing it the session's own analysis agrees.
import 'fake-indexeddb/auto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { batchFolderFiles, manifestFor } from '../../heatmap/batch-result.fixture';
import { getAnalysis, setAnalysis } from '../analysis-store';
import {
  disposeSessions,
  fakeEngine,
  fakeLayers,
  openInStore,
  patternEntry,
  resetStores,
  slideSource,
  testSession,
} from './analysis-fakes.fixture';

const REGION = { x: 300, y: 250, width: 240, height: 160 };
afterEach(disposeSessions);

function setup() {
  const source = slideSource();
  const engine = fakeEngine([patternEntry('left-model'), patternEntry('right-model')]);
  const layers = fakeLayers();
  const session = testSession(source, { engine, createLayer: layers.create });
  return { session, source, engine, layers };
}

/** A "batch" run: the same session code on the same slide, written out as a result folder. */
async function batchFolder(dir: string) {
  const { session, source } = setup();
  openInStore(source);
  const r = await session.analyze('left-model', REGION, { backend: 'wasm' });
  const store = (await import('../../heatmap/heatmap-file')).decodeHeatmapFile(
    (await import('../../heatmap/heatmap-file')).encodeHeatmapFile(
      // the store the session filled
      (
        session as unknown as { p: { slidesCtx: { current: { stores: Map<string, never> } } } }
      ).p.slidesCtx.current.stores.get('left-model')!,
    ),
  );
  const summary = await session.exports.summary('left-model');
  const regions = session.exports.regions('left-model');
  const samples = [
    [400, 300],
    [450, 330],
    [10, 10],
  ].map(([x, y]) => session.exports.sample('left-model', x, y));
  disposeSessions();
  resetStores();
  const files = batchFolderFiles(dir, {
    store,
    summary: { ...summary, backend: 'wasm-node' },
    regions,
    manifest: manifestFor(store, source.metadata, 'synthetic'),
  });
  return { files, r, summary, samples };
}

describe('batch results in the analysis session', () => {
  beforeEach(resetStores);

  it('shows the stored heatmap with no recomputation; stats and samples are the stored ones', async () => {
    const b = await batchFolder('out/synthetic/left-model');
    const { session, source, engine, layers } = setup();
    openInStore(source);
    const shown = await session.openResults(b.files);
    expect(shown).toHaveLength(1);
    expect(shown[0]).toMatchObject({ model: 'left-model', patches: b.r.patches, backend: 'wasm-node' });
    expect(shown[0].tumourAreaMm2).toBe(b.summary.tumourAreaMm2);
    expect(getAnalysis()).toMatchObject({ model: 'left-model', heatmapVisible: true });
    expect(getAnalysis().batchResults['left-model'].from).toBe('out/synthetic/left-model');
    const stats = session.exports.stats('left-model')!;
    expect(stats.patches).toBe(b.r.patches);
    expect(stats.tumourAreaMm2).toBeCloseTo(b.summary.tumourAreaMm2, 12);
    expect(stats.backend).toBe('wasm-node');
    expect(getAnalysis().stats['left-model'].patches).toBe(b.r.patches);
    expect(
      [
        [400, 300],
        [450, 330],
        [10, 10],
      ].map(([x, y]) => session.exports.sample('left-model', x, y)),
    ).toEqual(b.samples);
    expect(layers.layers[0].refreshes).toBeGreaterThan(0);
    // the view moves: a live run would start after the debounce; none does for a stored result
    session.onMainView({ x: 500, y: 400, zoom: 1 });
    await new Promise((r) => setTimeout(r, 800));
    expect(engine.started).toEqual([]);
    expect(engine.predicted).toBe(0);

    // cleared, the session's own analysis of the same region gives the same numbers
    await session.clearResults('left-model');
    expect(getAnalysis().batchResults).toEqual({});
    const own = await session.analyze('left-model', REGION, { backend: 'wasm' });
    expect(own.patches).toBe(b.r.patches);
    expect(own.tumourAreaMm2).toBeCloseTo(b.summary.tumourAreaMm2, 12);
  });

  it('draws the stored regions as an outline over the stored heatmap', async () => {
    const b = await batchFolder('');
    const square = {
      type: 'FeatureCollection',
      features: [
        {
          type: 'Feature',
          properties: { objectType: 'annotation', classification: { name: 'Tumor' } },
          geometry: {
            type: 'Polygon',
            coordinates: [
              [
                [320, 260],
                [480, 260],
                [480, 380],
                [320, 380],
                [320, 260],
              ],
            ],
          },
        },
      ],
    };
    const files = await Promise.all(
      b.files.map(async (f) =>
        f.name === 'regions.geojson' ? new File([JSON.stringify(square)], f.name) : f,
      ),
    );
    const { session, source, layers } = setup();
    openInStore(source);
    const [shown] = await session.openResults(files);
    expect(shown.regions).toBe(1);
    const content = layers.layers[0].content()!;
    expect(content.sampler).not.toBeNull();
    expect(content.regions?.(400, 300)).toBe(1);
    expect(content.regions?.(600, 300)).toBe(0);
    const { renderLayerTile, REGIONS_COLOR } = await import('../../viewer/layer-tile');
    // a tile across the square's left edge at x = 320: the edge is drawn in the regions' colour
    const tile = renderLayerTile(content, { x: 300, y: 300, width: 40, height: 1, downsample: 1 });
    const px = (i: number) => [...tile.data.slice(i * 4, i * 4 + 3)];
    expect(Array.from({ length: 40 }, (_, i) => px(i)).some((p) => p.join() === REGIONS_COLOR.join())).toBe(
      true,
    );
    // cleared, the outline goes with the stored result
    await session.clearResults('left-model');
    expect(layers.layers[0].content()?.regions ?? null).toBeNull();
  });

  it('refuses results of a slide of another size, and forgets them when the slide closes', async () => {
    const b = await batchFolder('');
    const { session, source } = setup();
    openInStore({ ...source, metadata: { ...source.metadata, width: 999 } } as typeof source);
    await expect(session.openResults(b.files)).rejects.toThrow(/999×800 px/);
    resetStores();
    openInStore(source);
    await session.openResults(b.files);
    expect(Object.keys(getAnalysis().batchResults)).toEqual(['left-model']);
    setAnalysis({});
    (await import('../app-store')).appStore.setState({ status: 'idle', metadata: null });
    expect(getAnalysis().batchResults).toEqual({});
  });
});
