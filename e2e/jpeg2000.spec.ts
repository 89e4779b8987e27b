// Aperio JPEG 2000 slides in the browser: the worker decodes the tiles with the OpenJPEG wasm it
// fetches from openjpegWasmUrl. Fixtures come from scripts/make-fixtures.ts (global setup) and hold
// the coded pattern losslessly, so the pixels read back can be compared with what was encoded.

import path from 'node:path';
import { JP2K_MPP, JP2K_SIZE, jp2kLevels } from '../scripts/fixtures/jp2k-fixtures';
import { decodeRegion, expect, gotoApp, ROOT, test, waitSettled, worstDiff } from './fixtures';

const GOOD = path.join(ROOT, '.cache/fixtures/good');
const [level0, level1] = jp2kLevels();

for (const [file, tolerance] of [
  ['aperio-jp2k-rgb.svs', 0], // 33005, lossless: exact
  ['aperio-jp2k-ycbcr.svs', 1], // 33003: 8-bit YCbCr rounding
] as const) {
  test(`${file}: opens from the file input and reads back the encoded pixels`, async ({ page }) => {
    const wasmFetches: string[] = [];
    page.context().on('request', (r) => {
      if (/openjpegwasm_decode[^/]*\.wasm/.test(r.url())) wasmFetches.push(r.url());
    });
    await gotoApp(page);
    await page.getByTestId('file-input').setInputFiles(path.join(GOOD, file));
    const settled = await waitSettled(page);
    expect(settled.error).toBeNull();
    const state = await page.evaluate(() => window.mrnViewer!.state());
    expect(state).toMatchObject({
      status: 'ready',
      name: file,
      format: 'aperio-svs',
      vendor: 'aperio',
      width: JP2K_SIZE.width,
      height: JP2K_SIZE.height,
      mpp: JP2K_MPP,
      mppSource: 'aperio',
    });

    const full = await page.evaluate(() =>
      window.mrnViewer!.readRegion({ x: 0, y: 0, width: 600, height: 500, downsample: 1 }),
    );
    const px = decodeRegion(full as { width: number; height: number; data: string });
    expect(px.length).toBe(600 * 500 * 4);
    expect(worstDiff(px, 600, 500, level0, 0, 0)).toBeLessThanOrEqual(tolerance);
    // decoded by the OpenJPEG wasm, fetched from the URL the worker passes
    expect(wasmFetches.length).toBeGreaterThan(0);

    // downsample 2 is the native second level
    const half = await page.evaluate(() =>
      window.mrnViewer!.readRegion({ x: 200, y: 100, width: 100, height: 80, downsample: 2 }),
    );
    const hp = decodeRegion(half as { width: number; height: number; data: string });
    expect(worstDiff(hp, 100, 80, level1, 100, 50)).toBeLessThanOrEqual(tolerance);

    // the viewer drew its first view from the same tiles without failures
    await page.evaluate(() => window.mrnViewer!.ready());
    const stats = await page.evaluate(() => window.mrnViewer!.stats());
    expect(stats.tiles.loaded).toBeGreaterThan(0);
    expect(stats.tiles.failed).toBe(0);
  });
}
