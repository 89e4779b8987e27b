// Every way the slide worker decodes a JPEG tile gives the browser's own pixels: display tiles (the
// ImageBitmap fast path) and RGBA tiles (what analysis reads) are compared with createImageBitmap
// on the same tile's complete JPEG stream, the browser's libjpeg-turbo decode. Both worker paths go
// through WebCodecs (checked through stats().webCodecsTiles): for YCbCr slides its planes and the
// wasm colour kernel, so this is the test that the kernel is exact in the browser. (Drawing ImageDecoder's
// VideoFrame directly would be off by up to 25 levels at chroma edges: that path is not used.)

import type { Page } from '@playwright/test';
import { startSlideServer } from '../scripts/serve-slides';
import { expect, gotoApp, HAVE_CAMELYON, HAVE_SHARED, sharedPath, test } from './fixtures';

interface PathDiffs {
  tiles: number;
  /** max absolute channel difference against the reference decode */
  displayMax: number;
  rgbaMax: number;
  webCodecsTiles: number;
  /**
   * level 1 where it is synthetic (built from level 0's JPEG views, JpegDecoder.decodeEach), against
   * the general path (decoded, cached level-0 tiles and the box kernel) on the main thread: tiles
   * compared and the max difference of each worker path; null where level 1 is native
   */
  synthetic: { tiles: number; displayMax: number; rgbaMax: number } | null;
}

/** Compares both worker tile paths with the reference decode over level-0 tiles, edges included. */
function compareTilePaths(page: Page, url: string): Promise<PathDiffs> {
  return page.evaluate(
    async ([u, clientUrl, openUrl, nativeUrl]) => {
      // served by Vite from src/; typed through the relative paths
      const { openSlideInWorker }: typeof import('../src/slide/slide-client') = await import(
        /* @vite-ignore */ clientUrl
      );
      const { openSlide }: typeof import('../src/slide/open-slide') = await import(
        /* @vite-ignore */ openUrl
      );
      const { createNativeJpegDecoder }: typeof import('../src/slide/decoders/jpeg-native') = await import(
        /* @vite-ignore */ nativeUrl
      );
      const blob = await (await fetch(u)).blob();
      const signal = new AbortController().signal;
      const asBitmap = await openSlideInWorker(blob, signal, { tileFormat: 'bitmap' });
      const asRgba = await openSlideInWorker(blob, signal, { tileFormat: 'rgba' });
      // on the main thread, only to pull each tile's complete JPEG stream out of the file
      const streams = await openSlide(blob, { name: 'reference', jpegDecoder: createNativeJpegDecoder() });
      const level = asBitmap.metadata.levels[0];
      const cols = Math.ceil(level.width / level.tileWidth);
      const rows = Math.ceil(level.height / level.tileHeight);
      const picks = [
        [0, 0],
        [Math.floor(cols / 2), Math.floor(rows / 2)],
        [Math.floor(cols / 3), Math.floor((2 * rows) / 3)],
        [cols - 1, Math.floor(rows / 2)],
        [Math.floor(cols / 2), rows - 1],
        [cols - 1, rows - 1],
      ];
      const canvas = new OffscreenCanvas(level.tileWidth, level.tileHeight);
      const ctx = canvas.getContext('2d', { willReadFrequently: true })!;
      const pixelsOf = (b: ImageBitmap) => {
        ctx.clearRect(0, 0, canvas.width, canvas.height);
        ctx.drawImage(b, 0, 0);
        return ctx.getImageData(0, 0, b.width, b.height).data;
      };
      const maxDiff = (a: Uint8ClampedArray, b: Uint8ClampedArray) => {
        if (a.length !== b.length) throw new Error(`sizes differ: ${a.length} vs ${b.length} bytes`);
        let max = 0;
        for (let i = 0; i < a.length; i++) if (i % 4 !== 3) max = Math.max(max, Math.abs(a[i] - b[i]));
        return max;
      };
      let displayMax = 0;
      let rgbaMax = 0;
      for (const [x, y] of picks) {
        const found = await streams.jpegTileStream!({ level: 0, x, y });
        if (!found) throw new Error(`tile ${x},${y} is not a native JPEG tile`);
        const reference = await createImageBitmap(new Blob([found.stream as Uint8Array<ArrayBuffer>]), {
          colorSpaceConversion: 'none',
          premultiplyAlpha: 'none',
        });
        // edge tiles are stored padded; both worker paths crop to the level
        const want = pixelsOf(reference).slice();
        const full = reference.width;
        const crop = new Uint8ClampedArray(found.width * found.height * 4);
        for (let r = 0; r < found.height; r++)
          crop.set(want.subarray(r * full * 4, (r * full + found.width) * 4), r * found.width * 4);
        reference.close();

        const b = await asBitmap.getTile({ level: 0, x, y });
        if (!(b instanceof ImageBitmap)) throw new Error('expected an ImageBitmap');
        displayMax = Math.max(displayMax, maxDiff(pixelsOf(b), crop));
        b.close();
        const r = (await asRgba.getTile({ level: 0, x, y })) as { data: Uint8ClampedArray };
        rgbaMax = Math.max(rgbaMax, maxDiff(r.data, crop));
      }
      const webCodecsTiles =
        ((await asBitmap.stats())?.webCodecsTiles ?? 0) + ((await asRgba.stats())?.webCodecsTiles ?? 0);
      let synthetic: PathDiffs['synthetic'] = null;
      const l1 = asBitmap.metadata.levels[1];
      if (l1?.synthetic) {
        // the reference decoder has no decodeEach: level 1 comes from cached level-0 tiles
        const native = createNativeJpegDecoder();
        const general = await openSlide(blob, {
          name: 'general',
          jpegDecoder: { name: 'general', decode: (j, sig) => native.decode(j, sig) },
        });
        const c1 = Math.ceil(l1.width / l1.tileWidth);
        const r1 = Math.ceil(l1.height / l1.tileHeight);
        const picks1 = [
          [0, 0],
          [Math.floor(c1 / 2), Math.floor(r1 / 2)],
          [c1 - 1, r1 - 1],
          [c1 - 1, 0],
          [0, r1 - 1],
        ];
        synthetic = { tiles: picks1.length, displayMax: 0, rgbaMax: 0 };
        const fresh = await openSlideInWorker(blob, signal, { tileFormat: 'rgba' });
        for (const [x, y] of picks1) {
          const want = ((await general.getTile({ level: 1, x, y })) as { data: Uint8ClampedArray }).data;
          const b = await asBitmap.getTile({ level: 1, x, y });
          if (!(b instanceof ImageBitmap)) throw new Error('expected an ImageBitmap');
          synthetic.displayMax = Math.max(synthetic.displayMax, maxDiff(pixelsOf(b), want));
          b.close();
          // a worker that has not decoded these level-0 tiles yet, so the views build them
          const r = (await fresh.getTile({ level: 1, x, y })) as { data: Uint8ClampedArray };
          synthetic.rgbaMax = Math.max(synthetic.rgbaMax, maxDiff(r.data, want));
        }
        fresh.close();
        general.close();
      }
      asBitmap.close();
      asRgba.close();
      streams.close();
      return { tiles: picks.length, displayMax, rgbaMax, webCodecsTiles, synthetic };
    },
    [
      url,
      '/src/slide/slide-client.ts',
      '/src/slide/open-slide.ts',
      '/src/slide/decoders/jpeg-native.ts',
    ] as const,
  );
}

/** The slides: null file = the demo slide served by the app; others come from ../shared. */
const CASES: { name: string; file: string | null; available: boolean }[] = [
  { name: 'demo slide (YCbCr 4:2:0)', file: null, available: true },
  {
    name: 'CAMELYON16 Tumor_001 (512² YCbCr tiles)',
    file: 'camelyon16-tumor001-level5.tif',
    available: HAVE_CAMELYON,
  },
  // RGB-coded JPEG comes back as RGB rows, which the kernel only reorders
  { name: 'Aperio SVS (RGB-coded JPEG)', file: 'cmu-1-small-region.svs', available: HAVE_SHARED },
];

for (const { name, file, available } of CASES) {
  test(`${name}: both tile paths equal the browser decode, through WebCodecs`, async ({ page }) => {
    test.skip(!available, `${file} is not in ../shared/slides`);
    const server = file ? await startSlideServer(sharedPath('slides')) : null;
    try {
      await gotoApp(page);
      const r = await compareTilePaths(page, server ? `${server.url}/${file}` : '/demo/demo.tiff');
      console.log(`${name} tile paths`, JSON.stringify(r));
      expect(r.displayMax).toBe(0);
      expect(r.rgbaMax).toBe(0);
      expect(r.webCodecsTiles).toBe(2 * r.tiles);
      if (file === 'cmu-1-small-region.svs') expect(r.synthetic?.tiles).toBe(5);
      if (r.synthetic) {
        expect(r.synthetic.displayMax).toBe(0);
        expect(r.synthetic.rgbaMax).toBe(0);
      }
    } finally {
      await server?.close();
    }
  });
}
