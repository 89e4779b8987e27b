import { describe, expect, it } from 'vitest';
import { makeLzwTiff } from '../../scripts/fixtures/good-fixtures';
import type { RgbaImage } from './slide-types';
import { openBytes } from './test-helpers';
import { TileCache } from './tile-cache';

const tile = (bytes: number): RgbaImage => ({
  width: bytes / 4,
  height: 1,
  data: new Uint8ClampedArray(bytes),
});

function deferred<T>() {
  let resolve!: (v: T) => void;
  const promise = new Promise<T>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

describe('TileCache', () => {
  it('stays within its byte bound, evicting least recently used tiles', async () => {
    const cache = new TileCache(3000);
    for (let i = 0; i < 10; i++) await cache.get(`t${i}`, async () => tile(1000));
    const st = cache.stats();
    expect(st.bytes).toBeLessThanOrEqual(3000);
    expect(st.tiles).toBe(3);
    let loads = 0;
    await cache.get('t9', async () => {
      loads++;
      return tile(1000);
    });
    await cache.get('t0', async () => {
      loads++;
      return tile(1000);
    });
    expect(loads).toBe(1); // t9 was kept, t0 evicted
  });

  it('shares one in-flight load among concurrent requesters', async () => {
    const cache = new TileCache(1 << 20);
    const d = deferred<RgbaImage>();
    let loads = 0;
    const load = () => {
      loads++;
      return d.promise;
    };
    const a = cache.get('k', load);
    const b = cache.get('k', load);
    d.resolve(tile(16));
    expect(await a).toBe(await b);
    expect(loads).toBe(1);
    expect(cache.stats()).toMatchObject({ misses: 1, hits: 1 });
  });

  it('aborts a shared load only when every requester has cancelled', async () => {
    const cache = new TileCache(1 << 20);
    let loaderSignal: AbortSignal | null = null;
    const d = deferred<RgbaImage>();
    const load = (s: AbortSignal) => {
      loaderSignal = s;
      return d.promise;
    };
    const c1 = new AbortController();
    const c2 = new AbortController();
    const p1 = cache.get('k', load, c1.signal);
    const p2 = cache.get('k', load, c2.signal);
    c1.abort();
    await expect(p1).rejects.toMatchObject({ name: 'AbortError' });
    expect(loaderSignal!.aborted).toBe(false);
    c2.abort();
    await expect(p2).rejects.toMatchObject({ name: 'AbortError' });
    expect(loaderSignal!.aborted).toBe(true);
    expect(cache.stats().aborted).toBe(1);
    // a new request after the abort starts a fresh load
    const again = cache.get('k', async () => tile(8));
    expect((await again).data.byteLength).toBe(8);
  });

  it('does not cache failures', async () => {
    const cache = new TileCache(1 << 20);
    await expect(cache.get('k', async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    await expect(cache.get('k', async () => tile(4))).resolves.toMatchObject({ width: 1 });
  });
});

describe('slide tile cache', () => {
  it('decodes a tile once for concurrent and repeated requests, and reports figures', async () => {
    const s = await openBytes(await makeLzwTiff(), 'lzw.tif', {
      limits: { tileCacheBytes: 4 * 256 * 256 * 4 },
    });
    await Promise.all([0, 1, 2].map(() => s.getTile({ level: 0, x: 1, y: 1 })));
    await s.getTile({ level: 0, x: 1, y: 1 });
    let st = s.stats();
    expect(st.decodedTiles).toBe(1);
    expect(st.misses).toBe(1);
    expect(st.hits).toBe(3);
    expect(st.decodeMs).toBeGreaterThan(0);
    for (let x = 0; x < 6; x++) await s.getTile({ level: 0, x, y: 0 });
    st = s.stats();
    expect(st.bytes).toBeLessThanOrEqual(4 * 256 * 256 * 4);
    expect(st.tiles).toBeLessThanOrEqual(4);
    s.close();
  });

  it('a tile request aborted by its only requester stops, and the slide keeps working', async () => {
    const s = await openBytes(await makeLzwTiff(), 'lzw.tif');
    const c = new AbortController();
    const p = s.getTile({ level: 3, x: 0, y: 0, signal: c.signal }); // coarsest native level
    c.abort();
    await expect(p).rejects.toMatchObject({ name: 'AbortError' });
    const t = await s.getTile({ level: 3, x: 0, y: 0 });
    expect(t.width).toBe(187);
    s.close();
  });
});
