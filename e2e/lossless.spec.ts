// LZW and Deflate slides in the browser: LZW tiles decode in geotiff's worker pool, started by the
// slide worker; Deflate decodes faster in the slide worker itself (src/slide/decoders/geotiff-pool.ts).
// Fixtures come from scripts/make-fixtures.ts (global setup) and hold the coded pattern losslessly,
// so every pixel read back can be compared with what was encoded.

import path from 'node:path';
import { GENERIC_SIZE } from '../scripts/fixtures/good-fixtures';
import { codedPattern } from '../scripts/fixtures/pattern';
import { startSlideServer } from '../scripts/serve-slides';
import { decodeRegion, expect, gotoApp, ROOT, test, waitSettled, worstDiff } from './fixtures';

const GOOD = path.join(ROOT, '.cache/fixtures/good');
const FILES = ['lzw.tif', 'deflate.tif'];
/** level-0 tiles each file's slide worker sends to the pool */
const POOLED: Record<string, boolean> = { 'lzw.tif': true, 'deflate.tif': false };
const { width, height } = GENERIC_SIZE;
const TILES = Math.ceil(width / 256) * Math.ceil(height / 256);

for (const file of FILES) {
  test(`${file}: every level-0 pixel reads back exactly`, async ({ page }) => {
    await gotoApp(page);
    await page.getByTestId('file-input').setInputFiles(path.join(GOOD, file));
    expect((await waitSettled(page)).error).toBeNull();
    const region = await page.evaluate(
      ([w, h]) => window.mrnViewer!.readRegion({ x: 0, y: 0, width: w, height: h, downsample: 1 }),
      [width, height],
    );
    const px = decodeRegion(region as { width: number; height: number; data: string });
    expect(worstDiff(px, width, height, codedPattern(width, height), 0, 0)).toBe(0);
    await page.evaluate(() => window.mrnViewer!.ready());
    const stats = await page.evaluate(() => window.mrnViewer!.stats());
    expect(stats.tiles.failed).toBe(0);
    // the reader's counters (SlideStats from the slide worker)
    const reader = stats.cache.reader as { poolTiles?: number } | null;
    if (POOLED[file]) expect(reader?.poolTiles).toBeGreaterThanOrEqual(TILES);
    else expect(reader?.poolTiles).toBe(0);
  });
}

test('without the pool the slide worker decodes the same pixels itself', async ({ page }) => {
  const server = await startSlideServer(GOOD);
  try {
    await gotoApp(page);
    const result = await page.evaluate(
      async ([base, files, clientUrl]) => {
        const { openSlideInWorker }: typeof import('../src/slide/slide-client') = await import(
          /* @vite-ignore */ clientUrl
        );
        const out = [];
        for (const file of files) {
          const blob = await (await fetch(`${base}/${file}`)).blob();
          const pooled = await openSlideInWorker(blob, undefined, { tileFormat: 'rgba' });
          const alone = await openSlideInWorker(blob, undefined, { tileFormat: 'rgba', decoderPool: false });
          const lv = pooled.metadata.levels[0];
          let max = 0;
          let tiles = 0;
          for (let y = 0; y < Math.ceil(lv.height / lv.tileHeight); y++)
            for (let x = 0; x < Math.ceil(lv.width / lv.tileWidth); x++) {
              const a = (await pooled.getTile({ level: 0, x, y })) as { data: Uint8ClampedArray };
              const b = (await alone.getTile({ level: 0, x, y })) as { data: Uint8ClampedArray };
              if (a.data.length !== b.data.length) throw new Error(`tile ${x},${y}: sizes differ`);
              for (let i = 0; i < a.data.length; i++) max = Math.max(max, Math.abs(a.data[i] - b.data[i]));
              tiles++;
            }
          const poolTiles = [(await pooled.stats())?.poolTiles, (await alone.stats())?.poolTiles];
          pooled.close();
          alone.close();
          out.push({ file, tiles, max, poolTiles });
        }
        return out;
      },
      [server.url, FILES, '/src/slide/slide-client.ts'] as const,
    );
    console.log('pool vs slide worker', JSON.stringify(result));
    for (const r of result) {
      expect(r.tiles).toBe(TILES);
      expect(r.max).toBe(0);
      expect(r.poolTiles).toEqual([POOLED[r.file] ? TILES : 0, 0]);
    }
  } finally {
    await server.close();
  }
});

test('a damaged LZW tile is a SlideError, through the pool and without it (bounded decoder)', async ({
  page,
}) => {
  // the bad corpus's lzw-damaged-code.tif: geotiff's own decoder expanded tile 0 without bound
  const server = await startSlideServer(path.join(ROOT, '.cache/fixtures/bad'));
  try {
    await gotoApp(page);
    const result = await page.evaluate(
      async ([url, clientUrl]) => {
        const { openSlideInWorker }: typeof import('../src/slide/slide-client') = await import(
          /* @vite-ignore */ clientUrl
        );
        const blob = await (await fetch(url)).blob();
        const out = [];
        for (const decoderPool of [true, false]) {
          const slide = await openSlideInWorker(blob, undefined, { tileFormat: 'rgba', decoderPool });
          const outcome = await slide.getTile({ level: 0, x: 0, y: 0 }).then(
            () => ({ name: 'ok', code: '', message: '' }),
            (e: { name: string; code: string; message: string }) => ({
              name: e.name,
              code: e.code,
              message: e.message,
            }),
          );
          // the other tiles are whole and still decode
          const next = (await slide.getTile({ level: 0, x: 1, y: 0 })) as { data: Uint8ClampedArray };
          out.push({
            decoderPool,
            ...outcome,
            next: next.data.length,
            poolTiles: (await slide.stats())?.poolTiles,
          });
          slide.close();
        }
        return out;
      },
      [`${server.url}/lzw-damaged-code.tif`, '/src/slide/slide-client.ts'] as const,
    );
    console.log('damaged LZW', JSON.stringify(result));
    for (const r of result) {
      expect(r.name).toBe('SlideError');
      expect(r.code).toBe('decode-failed');
      expect(r.message).toMatch(/LZW block is damaged: code \d+ at bit \d+ is not in its table/);
      expect(r.next).toBe(256 * 256 * 4);
    }
    expect(result.map((r) => r.poolTiles)).toEqual([1, 0]);
  } finally {
    await server.close();
  }
});
