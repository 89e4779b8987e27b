import 'fake-indexeddb/auto';
import { describe, expect, it } from 'vitest';
import { ProbabilityStore } from './probability-store';
import {
  deleteResult,
  listResults,
  loadResult,
  openResultsDb,
  saveResult,
  slideFingerprint,
} from './result-persistence';
import { cellRange, fillStore } from './store.fixture';

const meta = {
  name: 'a.svs',
  format: 'aperio-svs' as const,
  bigTiff: false,
  vendor: 'aperio',
  width: 2220,
  height: 2967,
  levels: [{ width: 2220, height: 2967, tileWidth: 240, tileHeight: 240, downsample: 1, synthetic: false }],
  mpp: 0.499,
  mppSource: 'aperio' as const,
  objective: 20,
  compression: 'JPEG',
  byteLength: 1938955,
};

describe('result persistence (IndexedDB)', () => {
  it('fingerprints a slide by content, not name', async () => {
    const a = await slideFingerprint(meta);
    expect(a).toMatch(/^[0-9a-f]{64}$/);
    expect(await slideFingerprint({ ...meta, name: 'renamed.svs' })).toBe(a);
    expect(await slideFingerprint({ ...meta, byteLength: 1938956 })).not.toBe(a);
    expect(await slideFingerprint(meta, new Uint8Array([1, 2, 3]))).not.toBe(a);
  });

  it('saves, lists, restores and deletes results per (slide, model)', async () => {
    const db = await openResultsDb(`test-${Math.random()}`);
    const fp = await slideFingerprint(meta);
    const make = (id: string, f: (x: number, y: number) => number) => {
      const s = new ProbabilityStore({
        modelId: id,
        targetMpp: 1,
        slideMpp: 0.499,
        targetSize: 64,
        margin: 8,
      });
      fillStore(s, cellRange(3, 2, 9, 6), f);
      return s;
    };
    const mrn = make('mrn', (x, y) => ((x + y) % 500) / 500);
    const unet = make('unet', (x) => (x > 700 ? 0.8 : 0.2));
    await saveResult(db, fp, mrn, { tumourAreaMm2: 1.5 });
    await saveResult(db, fp, unet);
    expect((await listResults(db, fp)).map((r) => r.modelId).sort()).toEqual(['mrn', 'unet']);
    const back = await loadResult(db, fp, 'mrn');
    expect(back?.summary).toEqual({ tumourAreaMm2: 1.5 });
    expect(back?.store.info).toEqual(mrn.info);
    expect(back?.store.cellCount).toBe(24);
    for (const { col, row, cell } of mrn.entries()) expect(back?.store.getCell(col, row)).toEqual(cell);
    expect(await loadResult(db, 'other-slide', 'mrn')).toBeNull();
    await deleteResult(db, fp, 'mrn');
    expect((await listResults(db, fp)).map((r) => r.modelId)).toEqual(['unet']);
    db.close();
  });
});
