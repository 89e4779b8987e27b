import 'fake-indexeddb/auto';
import { describe, expect, it } from 'vitest';
import { ProbabilityStore } from './probability-store';
import {
  deleteResult,
  loadResult,
  openResultsDb,
  resultKey,
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

const make = (id: string, f: (x: number, y: number) => number, slideMpp = 0.499) => {
  const s = new ProbabilityStore({ modelId: id, targetMpp: 1, slideMpp, targetSize: 64, margin: 8 });
  fillStore(s, cellRange(3, 2, 9, 6), f);
  return s;
};

describe('result persistence (IndexedDB)', () => {
  it('fingerprints a slide by content, not name', async () => {
    const a = await slideFingerprint(meta);
    expect(a).toMatch(/^[0-9a-f]{64}$/);
    expect(await slideFingerprint({ ...meta, name: 'renamed.svs' })).toBe(a);
    expect(await slideFingerprint({ ...meta, byteLength: 1938956 })).not.toBe(a);
    expect(await slideFingerprint(meta, new Uint8Array([1, 2, 3]))).not.toBe(a);
  });

  it('saves, restores and deletes results per (slide, model version)', async () => {
    const db = await openResultsDb(`test-${Math.random()}`);
    const fp = await slideFingerprint(meta);
    const mrn = make('mrn', (x, y) => ((x + y) % 500) / 500);
    const unet = make('unet', (x) => (x > 700 ? 0.8 : 0.2));
    const mrnKey = resultKey('mrn', '2026-01-01');
    await saveResult(db, fp, mrnKey, mrn);
    await saveResult(db, fp, resultKey('unet'), unet);
    const back = await loadResult(db, fp, mrnKey, mrn.info);
    expect(back?.store.info).toEqual(mrn.info);
    expect(back?.store.cellCount).toBe(24);
    for (const { col, row, cell } of mrn.entries()) expect(back?.store.getCell(col, row)).toEqual(cell);
    // another version of the model, another slide: nothing
    expect(await loadResult(db, fp, resultKey('mrn', '2026-02-01'))).toBeNull();
    expect(await loadResult(db, 'other-slide', mrnKey)).toBeNull();
    // made with another slide mpp (the user corrected it): its cells would not line up
    expect(await loadResult(db, fp, mrnKey, { ...mrn.info, slideMpp: 0.25 })).toBeNull();
    // saved before flip averaging (no `flips`): it ran with none, so it serves flips 1 and no other
    expect((await loadResult(db, fp, mrnKey, { ...mrn.info, flips: 1 }))?.store.cellCount).toBe(24);
    expect(await loadResult(db, fp, mrnKey, { ...mrn.info, flips: 4 })).toBeNull();
    const averaged = new ProbabilityStore({ ...mrn.info, flips: 4 });
    fillStore(averaged, cellRange(3, 2, 9, 6), () => 0.5);
    await saveResult(db, fp, mrnKey, averaged);
    expect((await loadResult(db, fp, mrnKey, { ...mrn.info, flips: 4 }))?.store.info.flips).toBe(4);
    expect(await loadResult(db, fp, mrnKey, { ...mrn.info, flips: 1 })).toBeNull();
    expect(await loadResult(db, fp, mrnKey, mrn.info)).toBeNull();
    await deleteResult(db, fp, mrnKey);
    expect(await loadResult(db, fp, mrnKey)).toBeNull();
    expect((await loadResult(db, fp, resultKey('unet')))?.store.cellCount).toBe(24);
    db.close();
  });
});
