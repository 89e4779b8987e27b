// The viewer's display tiles (the slide worker's ImageBitmap fast path) show the same pixels as the
// RGBA path that analysis and the OpenSlide parity tests use. Read through the worker API in the
// page. (WebCodecs' ImageDecoder would decode a 256² tile in 1.2 ms instead of 1.8, but its
// chroma upsampling differs: mean 1.2, max 25 levels on the demo slide. This test turned it down.)

import path from 'node:path';
import type { Page } from '@playwright/test';
import { startSlideServer } from '../scripts/serve-slides';
import { expect, gotoApp, HAVE_SHARED, SHARED, test } from './fixtures';

/** Mean and max absolute channel difference between the two tile paths over some level-0 tiles. */
function compareTilePaths(page: Page, url: string) {
  return page.evaluate(
    async ([u, moduleUrl]) => {
      // served by Vite from src/; typed through the relative path
      const { openSlideInWorker }: typeof import('../src/slide/slide-client') = await import(
        /* @vite-ignore */ moduleUrl
      );
      const blob = await (await fetch(u)).blob();
      const signal = new AbortController().signal;
      const asBitmap = await openSlideInWorker(blob, signal, { tileFormat: 'bitmap' });
      const asRgba = await openSlideInWorker(blob, signal, { tileFormat: 'rgba' });
      const level = asBitmap.metadata.levels[0];
      const cols = Math.ceil(level.width / level.tileWidth);
      const rows = Math.ceil(level.height / level.tileHeight);
      let sum = 0;
      let n = 0;
      let max = 0;
      let bitmaps = 0;
      // a spread of tiles, the last (edge) tile included
      const picks = [
        [Math.floor(cols / 2), Math.floor(rows / 2)],
        [Math.floor(cols / 3), Math.floor((2 * rows) / 3)],
        [cols - 1, rows - 1],
      ];
      for (const [x, y] of picks) {
        const b = await asBitmap.getTile({ level: 0, x, y });
        const r = (await asRgba.getTile({ level: 0, x, y })) as {
          width: number;
          height: number;
          data: Uint8ClampedArray;
        };
        if (!(b instanceof ImageBitmap)) throw new Error('expected an ImageBitmap');
        bitmaps++;
        if (b.width !== r.width || b.height !== r.height)
          throw new Error(`size ${b.width}×${b.height} vs ${r.width}×${r.height}`);
        const canvas = new OffscreenCanvas(b.width, b.height);
        const ctx = canvas.getContext('2d')!;
        ctx.drawImage(b, 0, 0);
        const d = ctx.getImageData(0, 0, b.width, b.height).data;
        for (let i = 0; i < d.length; i++) {
          if (i % 4 === 3) continue;
          const diff = Math.abs(d[i] - r.data[i]);
          sum += diff;
          max = Math.max(max, diff);
          n++;
        }
        b.close();
      }
      asBitmap.close();
      asRgba.close();
      return { mean: sum / n, max, bitmaps };
    },
    [url, '/src/slide/slide-client.ts'] as const,
  );
}

test('demo slide (YCbCr JPEG): display tiles match the RGBA path', async ({ page }) => {
  await gotoApp(page);
  const r = await compareTilePaths(page, '/demo/demo.tiff');
  console.log('demo tile paths', JSON.stringify(r));
  expect(r.bitmaps).toBe(3);
  expect(r.max).toBeLessThanOrEqual(2);
});

test('Aperio SVS (RGB JPEG): display tiles match the RGBA path', async ({ page }) => {
  test.skip(!HAVE_SHARED, '../shared/slides is not available');
  const server = await startSlideServer(path.join(SHARED, 'slides'));
  try {
    await gotoApp(page);
    const r = await compareTilePaths(page, `${server.url}/cmu-1-small-region.svs`);
    console.log('svs tile paths', JSON.stringify(r));
    expect(r.bitmaps).toBe(3);
    expect(r.max).toBeLessThanOrEqual(2);
  } finally {
    await server.close();
  }
});
