// Formats beyond tiled TIFF, end to end in Chromium: each opens over HTTP, its metadata is read back
// through mrnViewer.state(), and its pixels through readRegion are checked against a decoder
// outside the app.

import { copyFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { decode as decodePng } from 'fast-png';
import type { SlideServer } from '../scripts/serve-slides';
import { startSlideServer } from '../scripts/serve-slides';
import { decodeRegion, expect, openUrlOk, sharedPath, sharedSkipReason, test } from './fixtures';

const GLAS = sharedPath('glas', 'train', 'img');

let server: SlideServer;
let dir: string;
test.beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'mrn-formats-'));
  server = await startSlideServer(dir);
});
test.afterAll(() => server?.close());

const openUrl = (page: import('@playwright/test').Page, file: string) =>
  openUrlOk(page, `${server.url}/${file}`);

test('a GlaS PNG opens as a plain-image slide with mpp from its sidecar, pixel-exact', async ({ page }) => {
  test.skip(!existsSync(GLAS), sharedSkipReason('glas') || `${GLAS} is absent`);
  const file = readdirSync(GLAS).find((f) => f.endsWith('.png'))!;
  copyFileSync(path.join(GLAS, file), path.join(dir, 'glas.png'));
  writeFileSync(path.join(dir, 'glas.json'), '{"mpp": 0.62}');
  const png = decodePng(readFileSync(path.join(GLAS, file)));
  const state = await openUrl(page, 'glas.png');
  expect(state).toMatchObject({
    format: 'plain-image',
    width: png.width,
    height: png.height,
    mpp: 0.62,
    mppSource: 'sidecar',
  });
  expect(state.levels[0]).toMatchObject({ synthetic: false, width: png.width });
  expect(state.levels.slice(1).every((l) => l.synthetic)).toBe(true);
  await page.evaluate(() => window.mrnViewer!.ready());
  const r = await page.evaluate(
    ([w, h]) => window.mrnViewer!.readRegion({ x: 0, y: 0, width: w, height: h, downsample: 1 }),
    [png.width, png.height],
  );
  const got = decodeRegion(r);
  let diff = 0;
  for (let i = 0; i < png.width * png.height; i++)
    for (let c = 0; c < 3; c++)
      diff = Math.max(diff, Math.abs(got[i * 4 + c] - png.data[i * png.channels + c]));
  expect(diff).toBe(0);
});

test('an LZW striped TIFF opens as virtual tiles with every pixel intact', async ({ page }) => {
  const { makeStripedTiff, stripedPattern, STRIPED_SIZE } = await import(
    '../scripts/fixtures/striped-fixtures'
  );
  writeFileSync(path.join(dir, 'striped.tif'), await makeStripedTiff('lzw'));
  const state = await openUrl(page, 'striped.tif');
  const { width, height } = STRIPED_SIZE;
  expect(state).toMatchObject({ format: 'striped-tiff', width, height, mppSource: 'tiff-resolution' });
  expect(state.levels[0]).toMatchObject({ tileWidth: 512, tileHeight: 512, synthetic: false });
  await page.evaluate(() => window.mrnViewer!.ready());
  const r = await page.evaluate(
    ([w, h]) => window.mrnViewer!.readRegion({ x: 0, y: 0, width: w, height: h, downsample: 1 }),
    [width, height],
  );
  const got = decodeRegion(r);
  const ref = stripedPattern().data;
  let diff = 0;
  for (let i = 0; i < width * height; i++)
    for (let c = 0; c < 3; c++) diff = Math.max(diff, Math.abs(got[i * 4 + c] - ref[i * 3 + c]));
  expect(diff).toBe(0);
});

test('a Philips TIFF fixture opens with vendor, levels and mpp from its XML', async ({ page }) => {
  const { makePhilipsTiff, PHILIPS_MPP, PHILIPS_SIZE } = await import('../scripts/fixtures/philips-fixtures');
  writeFileSync(path.join(dir, 'philips.tiff'), await makePhilipsTiff());
  const state = await openUrl(page, 'philips.tiff');
  expect(state).toMatchObject({
    format: 'philips-tiff',
    vendor: 'philips',
    width: PHILIPS_SIZE.width,
    height: PHILIPS_SIZE.height,
    mppSource: 'philips',
  });
  expect(state.mpp).toBeCloseTo(PHILIPS_MPP, 9);
  expect(state.levels.filter((l) => !l.synthetic).map((l) => l.width)).toEqual([2048, 1024, 512]);
  await page.evaluate(() => window.mrnViewer!.ready());
  // a sparse tile (TileOffsets 0) is background, not an error
  const r = await page.evaluate(() =>
    window.mrnViewer!.readRegion({ x: 0, y: 0, width: 256, height: 256, downsample: 1 }),
  );
  expect(decodeRegion(r).every((v) => v === 255)).toBe(true);
  const stats = await page.evaluate(() => window.mrnViewer!.stats());
  expect(stats.tiles.failed).toBe(0);
});

test('a generated PNG opens as a plain-image slide with mpp from its sidecar, pixel-exact', async ({
  page,
}) => {
  // the same path as the GlaS test above, without ../shared
  const { makePlainImage } = await import('../scripts/fixtures/plain-fixtures');
  const { tissuePattern } = await import('../scripts/fixtures/pattern');
  const [width, height] = [640, 480];
  writeFileSync(path.join(dir, 'plain.png'), await makePlainImage('png', width, height));
  writeFileSync(path.join(dir, 'plain.json'), '{"mpp": 0.5}');
  const state = await openUrl(page, 'plain.png');
  expect(state).toMatchObject({ format: 'plain-image', width, height, mpp: 0.5, mppSource: 'sidecar' });
  expect(state.levels[0]).toMatchObject({ synthetic: false, width });
  await page.evaluate(() => window.mrnViewer!.ready());
  const r = await page.evaluate(
    ([w, h]) => window.mrnViewer!.readRegion({ x: 0, y: 0, width: w, height: h, downsample: 1 }),
    [width, height],
  );
  const got = decodeRegion(r);
  const ref = tissuePattern(width, height).data;
  let diff = 0;
  for (let i = 0; i < width * height; i++)
    for (let c = 0; c < 3; c++) diff = Math.max(diff, Math.abs(got[i * 4 + c] - ref[i * 3 + c]));
  expect(diff).toBe(0);
});
