// Hamamatsu NDPI end to end in Chromium: the generated fixture by URL and the real sample from
// ../shared by file input and by URL. Metadata comes back through mrnViewer.state(), pixels through
// readRegion are compared with OpenSlide's (openslide-write-png) with a shifted region as the
// negative control, and a heatmap runs on the slide through the analyze API.

import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Page } from '@playwright/test';
import sharp from 'sharp';
import type { SlideServer } from '../scripts/serve-slides';
import { startSlideServer } from '../scripts/serve-slides';
import {
  type ApiState,
  call,
  decodeRegion,
  expect,
  gotoApp,
  openUrlOk,
  sharedPath,
  sharedSkipReason,
  test,
  waitSettled,
} from './fixtures';

const SAMPLE = sharedPath('ndpi');
const HAVE_SAMPLE = existsSync(SAMPLE);
const HAVE_OPENSLIDE = existsSync('/usr/bin/openslide-write-png');

let server: SlideServer;
let dir: string;
test.beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'mrn-ndpi-'));
  const { makeNdpi, makeNdpiWithoutMcuStarts, stripMcuStarts } = await import(
    '../scripts/fixtures/ndpi-fixtures'
  );
  writeFileSync(path.join(dir, 'fixture.ndpi'), await makeNdpi());
  writeFileSync(path.join(dir, 'fixture-no-mcu.ndpi'), await makeNdpiWithoutMcuStarts());
  if (HAVE_SAMPLE) {
    copyFileSync(SAMPLE, path.join(dir, 'sample.ndpi'));
    // the real scan with its McuStarts taken out, built here, never kept
    writeFileSync(path.join(dir, 'sample-no-mcu.ndpi'), stripMcuStarts(readFileSync(SAMPLE)).bytes);
  }
  server = await startSlideServer(dir);
});
test.afterAll(() => server?.close());

type State = ApiState;

const openUrl = (page: Page, file: string): Promise<State> => openUrlOk(page, `${server.url}/${file}`);

async function openFile(page: Page, file: string): Promise<State> {
  await gotoApp(page);
  await page.getByTestId('file-input').setInputFiles(file);
  const s = await waitSettled(page, 60_000);
  expect(s.error).toBeNull();
  return page.evaluate(() => window.mrnViewer!.state());
}

/** Mean abs RGB difference of the app's region (level-0 px, downsample 1) against OpenSlide's. */
async function parity(page: Page, file: string, x: number, y: number, w: number, h: number) {
  const out = path.join(dir, `os-${x}-${y}-${w}-${h}.png`);
  execFileSync('openslide-write-png', [file, String(x), String(y), '0', String(w), String(h), out]);
  const ref = await sharp(out).ensureAlpha().raw().toBuffer();
  const read = (dx: number, dy: number) =>
    page
      .evaluate((r) => window.mrnViewer!.readRegion(r), {
        x: x + dx,
        y: y + dy,
        width: w,
        height: h,
        downsample: 1,
      })
      .then(decodeRegion);
  const mad = (got: Uint8Array) => {
    let d = 0;
    let n = 0;
    for (let i = 0; i < ref.length; i += 4) {
      if (ref[i + 3] === 0) continue;
      for (let c = 0; c < 3; c++) d += Math.abs(got[i + c] - ref[i + c]);
      n += 3;
    }
    return d / n;
  };
  return { mad: mad(await read(0, 0)), control: mad(await read(160, 120)) };
}

test('the NDPI fixture opens by URL: metadata from its tags, pixels as OpenSlide, a heatmap on it', async ({
  page,
}) => {
  test.setTimeout(180_000);
  const { NDPI_LEVELS, NDPI_MPP, NDPI_OBJECTIVE, NDPI_MACRO, NDPI_MAP } = await import(
    '../scripts/fixtures/ndpi-fixtures'
  );
  const state = await openUrl(page, 'fixture.ndpi');
  expect(state).toMatchObject({
    format: 'hamamatsu-ndpi',
    vendor: 'hamamatsu',
    width: NDPI_LEVELS[0].width,
    height: NDPI_LEVELS[0].height,
    objective: NDPI_OBJECTIVE,
    mppSource: 'tiff-resolution',
  });
  expect(state.mpp).toBeCloseTo(NDPI_MPP, 3);
  expect(state.levels.filter((l) => !l.synthetic).map((l) => l.width)).toEqual(
    NDPI_LEVELS.map((l) => l.width),
  );
  expect(state.associated).toEqual([
    { kind: 'macro', ...NDPI_MACRO },
    { kind: 'map', ...NDPI_MAP },
  ]);
  await page.evaluate(() => window.mrnViewer!.ready());
  const stats = await page.evaluate(() => window.mrnViewer!.stats());
  expect(stats.tiles.failed).toBe(0);
  if (HAVE_OPENSLIDE) {
    const { mad, control } = await parity(page, path.join(dir, 'fixture.ndpi'), 400, 300, 700, 500);
    console.log(
      `NDPI fixture in Chromium vs OpenSlide: mean abs diff ${mad.toFixed(3)}, shifted ${control.toFixed(2)}`,
    );
    expect(mad).toBeLessThan(1);
    expect(control).toBeGreaterThan(2);
  }
  const r = await call<{ patches: number; model: { id: string } }>(page, 'analyze', {
    model: 'test-tiny-unet',
    region: 'slide',
    backend: 'wasm',
  });
  expect(r.model.id).toBe('test-tiny-unet');
  // the fixture's 931 × 464 µm on the default 256 px tiles (240 µm kept): 7 tiles of tissue here
  expect(r.patches).toBeGreaterThanOrEqual(4);
  expect(await call(page, 'heatmapStats', 'test-tiny-unet')).toMatchObject({ patches: r.patches });
});

test('an NDPI without McuStarts opens by URL: its tiles cut at its restart markers, pixels as OpenSlide', async ({
  page,
}) => {
  test.setTimeout(120_000);
  const { NDPI_LEVELS } = await import('../scripts/fixtures/ndpi-fixtures');
  const state = await openUrl(page, 'fixture-no-mcu.ndpi');
  expect(state).toMatchObject({ format: 'hamamatsu-ndpi', width: 2048, height: 1020 });
  expect(state.levels.filter((l) => !l.synthetic).map((l) => [l.width, l.tileWidth])).toEqual(
    NDPI_LEVELS.map((l) => [l.width, 512]),
  );
  await page.evaluate(() => window.mrnViewer!.ready());
  if (HAVE_OPENSLIDE) {
    const { mad, control } = await parity(page, path.join(dir, 'fixture-no-mcu.ndpi'), 1300, 500, 700, 500);
    console.log(
      `NDPI fixture without McuStarts in Chromium vs OpenSlide: mean abs diff ${mad.toFixed(3)}, shifted ${control.toFixed(2)}`,
    );
    expect(mad).toBeLessThan(1);
    expect(control).toBeGreaterThan(2);
  }
  const stats = await page.evaluate(() => window.mrnViewer!.stats());
  expect(stats.tiles.failed).toBe(0);
  expect(stats.tiles.loaded).toBeGreaterThan(0);
});

test.describe('the real NDPI sample (../shared/formats/ndpi)', () => {
  test.skip(!HAVE_SAMPLE, sharedSkipReason('ndpi'));

  test('by file input: what OpenSlide reports, and its pixels', async ({ page }) => {
    test.setTimeout(180_000);
    const state = await openFile(page, SAMPLE);
    expect(state).toMatchObject({
      format: 'hamamatsu-ndpi',
      width: 3968,
      height: 4864,
      objective: 40,
      name: 'slideio-test3-tritc.ndpi',
    });
    expect(state.mpp).toBeCloseTo(0.2281750559, 6);
    expect(state.levels.filter((l) => !l.synthetic).map((l) => l.width)).toEqual([3968, 1984, 992, 496]);
    expect(state.associated.map((a) => a.kind)).toEqual(['macro', 'map']);
    await page.evaluate(() => window.mrnViewer!.ready());
    if (HAVE_OPENSLIDE) {
      const { mad, control } = await parity(page, SAMPLE, 1000, 1000, 700, 600);
      console.log(
        `NDPI sample in Chromium vs OpenSlide: mean abs diff ${mad.toFixed(3)}, shifted ${control.toFixed(2)}`,
      );
      expect(mad).toBeLessThan(1);
      expect(control).toBeGreaterThan(2);
    }
  });

  test('without its McuStarts, by URL: the same slide and the same pixels as OpenSlide', async ({ page }) => {
    test.setTimeout(120_000);
    const state = await openUrl(page, 'sample-no-mcu.ndpi');
    expect(state).toMatchObject({ format: 'hamamatsu-ndpi', width: 3968, height: 4864, objective: 40 });
    expect(state.levels.filter((l) => !l.synthetic).map((l) => l.width)).toEqual([3968, 1984, 992, 496]);
    await page.evaluate(() => window.mrnViewer!.ready());
    if (HAVE_OPENSLIDE) {
      const { mad, control } = await parity(page, path.join(dir, 'sample-no-mcu.ndpi'), 2500, 3900, 700, 600);
      console.log(
        `NDPI sample without McuStarts in Chromium vs OpenSlide: mean abs diff ${mad.toFixed(3)}, shifted ${control.toFixed(2)}`,
      );
      expect(mad).toBeLessThan(1);
      expect(control).toBeGreaterThan(2);
    }
    const stats = await page.evaluate(() => window.mrnViewer!.stats());
    expect(stats.tiles.failed).toBe(0);
  });

  test('by URL: the same slide, and a heatmap runs on it', async ({ page }) => {
    test.setTimeout(180_000);
    const state = await openUrl(page, 'sample.ndpi');
    expect(state).toMatchObject({ format: 'hamamatsu-ndpi', width: 3968, height: 4864, objective: 40 });
    await page.evaluate(() => window.mrnViewer!.ready());
    const r = await call<{ patches: number; model: { id: string } }>(page, 'analyze', {
      model: 'test-tiny-unet',
      region: { x: 1000, y: 1000, width: 2000, height: 2000 },
      backend: 'wasm',
    });
    expect(r.model.id).toBe('test-tiny-unet');
    expect(r.patches).toBeGreaterThanOrEqual(0);
    const stats = await page.evaluate(() => window.mrnViewer!.stats());
    expect(stats.tiles.failed).toBe(0);
  });
});
