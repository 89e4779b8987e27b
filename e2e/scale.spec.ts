// Full scale (issue 10 §5): a slide that claims 100 000 × 100 000 px (scripts/fixtures/scale-fixtures.ts,
// every tile pointing at a few real JPEG tiles; made here, never committed), opened from disk and from
// a URL (a local server with Range, started here). Reports the first complete viewport and the
// memory after a tour of the slide at full resolution; asserts that the JS heap and the caches stay
// bounded and that remote tile reads were coalesced.

import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { makeScaleTiff, SCALE_FILE, SCALE_SIZE } from '../scripts/fixtures/scale-fixtures';
import { type SlideServer, startSlideServer } from '../scripts/serve-slides';
import { expect, gotoApp, ROOT, test, waitSettled } from './fixtures';

const DIR = path.join(ROOT, '.cache/e2e-scale');
const FILE = path.join(DIR, SCALE_FILE);

let server: SlideServer;
test.beforeAll(async () => {
  mkdirSync(DIR, { recursive: true });
  writeFileSync(FILE, await makeScaleTiff());
  server = await startSlideServer(DIR);
});
test.afterAll(async () => {
  await server?.close();
});

interface Numbers {
  firstViewportMs: number | null;
  heapMb: number | null;
  tileCacheMb: number;
  blockCacheMb: number;
  osdTiles: number;
  osdMaxCaches: number;
  loaded: number;
  rangeRequests: number | null;
}

/** Pans over the slide at full resolution (each stop drawn completely), then reads the numbers. */
async function tour(page: import('@playwright/test').Page, stops: number): Promise<Numbers> {
  return page.evaluate(
    async ([n, size]) => {
      const v = window.mrnViewer!;
      for (let i = 0; i < n; i++) {
        const f = (i + 0.5) / n;
        v.setViewport(
          { x: size * f, y: size * (0.3 + (0.4 * ((i * 7) % n)) / n), zoom: 1 },
          { immediately: true },
        );
        await v.ready();
      }
      const st = await v.stats();
      const reader = st.cache.reader as { bytes: number; blockBytes: number; rangeRequests?: number };
      const mem = (performance as unknown as { memory?: { usedJSHeapSize: number } }).memory;
      return {
        firstViewportMs: st.firstViewportMs,
        heapMb: mem ? mem.usedJSHeapSize / 2 ** 20 : null,
        tileCacheMb: reader.bytes / 2 ** 20,
        blockCacheMb: reader.blockBytes / 2 ** 20,
        osdTiles: st.cache.osdTiles,
        osdMaxCaches: st.cache.osdMaxCaches,
        loaded: st.tiles.loaded,
        rangeRequests: reader.rangeRequests ?? null,
      };
    },
    [stops, SCALE_SIZE] as const,
  );
}

function check(n: Numbers, what: string) {
  console.log(`${what}: ${JSON.stringify(n, (_, v) => (typeof v === 'number' ? +v.toFixed(1) : v))}`);
  expect(n.firstViewportMs).toBeGreaterThan(0);
  expect(n.loaded).toBeGreaterThan(100);
  // bounded: the decoded-tile cache (256 MB), the directory blocks (32 MB), OSD's tile count, the heap
  expect(n.tileCacheMb).toBeLessThanOrEqual(256);
  expect(n.blockCacheMb).toBeLessThanOrEqual(32);
  expect(n.osdTiles).toBeLessThanOrEqual(n.osdMaxCaches);
  if (n.heapMb !== null) expect(n.heapMb).toBeLessThan(512);
}

test('a 100k² slide opens from disk; the heap and caches stay bounded over a tour', async ({ page }) => {
  test.setTimeout(180_000);
  await gotoApp(page);
  await page.getByTestId('file-input').setInputFiles(FILE);
  expect((await waitSettled(page, 60_000)).status).toBe('ready');
  await page.evaluate(() => window.mrnViewer!.ready());
  const s = await page.evaluate(() => window.mrnViewer!.state());
  expect([s.width, s.height, s.format, s.mpp]).toEqual([SCALE_SIZE, SCALE_SIZE, 'generic-tiff', 0.25]);
  check(await tour(page, 12), '100k² from disk');
});

test('a 100k² slide opens from a URL; its tile reads are coalesced, and ?coalesce=0 turns that off', async ({
  page,
}) => {
  test.setTimeout(240_000);
  const url = `${server.url}/${SCALE_FILE}`;
  const byUrl: Record<string, Numbers> = {};
  for (const query of ['', '?coalesce=0']) {
    await gotoApp(page, query);
    await page.evaluate((u) => window.mrnViewer!.open(u), url);
    expect((await waitSettled(page, 60_000)).status).toBe('ready');
    await page.evaluate(() => window.mrnViewer!.ready());
    expect(await page.evaluate(() => window.mrnViewer!.state().width)).toBe(SCALE_SIZE);
    const n = await tour(page, 6);
    check(n, `100k² by URL${query ? ', one request per read' : ', coalesced'}`);
    expect(n.rangeRequests).not.toBeNull();
    byUrl[query || 'on'] = n;
  }
  const on = byUrl.on;
  const off = byUrl['?coalesce=0'];
  // one request per tile without coalescing (every tile lies past the first answer's bytes);
  // the tiles of a view share requests with it
  expect(off.rangeRequests!).toBeGreaterThanOrEqual(off.loaded * 0.9);
  expect(on.rangeRequests! / on.loaded).toBeLessThan((off.rangeRequests! / off.loaded) * 0.5);
});
