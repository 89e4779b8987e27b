import 'fake-indexeddb/auto';
import { describe, expect, it } from 'vitest';
import { cascadeSink, cellKey } from '../../analysis/cascade';
import { gridPatch, type PatchGeometry } from '../../geometry/patch-geometry';
import { openResultsDb } from '../../heatmap/result-persistence';
import { cellRange, fillStore } from '../../heatmap/store.fixture';
import type { SlideMetadata } from '../../slide/slide-types';
import { ResultCache } from './result-cache';
import { createSlideContext } from './slide-context';

const meta = {
  name: 'a.tif',
  format: 'tiff',
  bigTiff: false,
  vendor: null,
  width: 4096,
  height: 4096,
  levels: [{ width: 4096, height: 4096, tileWidth: 256, tileHeight: 256, downsample: 1, synthetic: false }],
  mpp: 0.5,
  mppSource: 'tiff',
  objective: null,
  compression: 'JPEG',
  byteLength: 123456,
} as unknown as SlideMetadata;

const geometry = { targetSize: 64, targetMpp: 1, contextSize: 64, contextMpp: 4 } as PatchGeometry;
const noSlide = {} as Parameters<typeof createSlideContext>[0];

describe('ResultCache', () => {
  it('never saves a cascade’s provisional cells: after a reload they are not taken for results', async () => {
    const dbName = `test-${Math.random()}`;
    const notes: string[] = [];
    const cacheOf = () =>
      new ResultCache(
        async () => 'v1',
        (_kind, text) => notes.push(text),
        () => openResultsDb(dbName),
      );
    const cache = cacheOf();
    const ctx = createSlideContext(noSlide, meta, 0.5, null);
    const store = await cache.store(ctx, 'mrn', geometry);
    // 12 cells refined by the model, 4 shown from the screen only (an aborted run's leftovers)
    fillStore(store, cellRange(0, 0, 4, 3), () => 0.75);
    const provisional = cache.provisionalCells(store);
    expect(cache.provisionalCells(store)).toBe(provisional);
    for (const [col, row] of cellRange(0, 3, 4, 4)) {
      store.putPatch(
        gridPatch(col, row, geometry, 0.5, store.info.margin),
        new Float32Array(64 * 64).fill(0.2),
        0,
      );
      provisional.add(cellKey(col, row));
    }
    expect(store.cellCount).toBe(16);
    // the planner sees the provisional ones as not analysed
    expect(cascadeSink(store, provisional).has(1, 3)).toBe(false);
    expect(cascadeSink(store, provisional).has(1, 2)).toBe(true);
    await cache.save(ctx, 'mrn', true);

    const reopened = createSlideContext(noSlide, meta, 0.5, null);
    const back = await cacheOf().store(reopened, 'mrn', geometry);
    expect(back).not.toBe(store);
    expect(back.cellCount).toBe(12);
    expect(back.has(1, 2)).toBe(true);
    expect(back.has(1, 3)).toBe(false);
    expect(back.getCell(2, 1)).toEqual(store.getCell(2, 1));
    expect(notes).toEqual([]);
  });
});
