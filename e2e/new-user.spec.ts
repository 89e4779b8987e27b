// What a new user met (issue 9 §7): the demo's ground truth under a default web server's mime
// types (nginx serves .geojson as application/octet-stream, as scripts/serve-slides.ts does),
// a broken sidecar reported rather than skipped, no empty navigator box before a slide is open,
// and the toast clear of the right-hand model label in the split view.

import { mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { type SlideServer, startSlideServer } from '../scripts/serve-slides';
import { call, expect, gotoApp, ROOT, test, waitSettled } from './fixtures';

const DIR = path.join(ROOT, '.cache/e2e-sidecar');
const DEMO = path.join(ROOT, 'public/demo');
/** a port of this checkout's range (TEAM-BRIEF), so parallel checkouts do not collide */
const PORT = Number(process.env.MRN_E2E_SIDECAR_PORT ?? 7100);

let server: SlideServer;
test.beforeAll(async () => {
  rmSync(DIR, { recursive: true, force: true });
  mkdirSync(DIR, { recursive: true });
  symlinkSync(path.join(DEMO, 'demo.tiff'), path.join(DIR, 'demo.tiff'));
  symlinkSync(path.join(DEMO, 'demo.geojson'), path.join(DIR, 'demo.geojson'));
  symlinkSync(path.join(DEMO, 'demo.tiff'), path.join(DIR, 'broken.tiff'));
  writeFileSync(path.join(DIR, 'broken.geojson'), '{"type": "FeatureCollection", "features": [');
  server = await startSlideServer(DIR, PORT);
});
test.afterAll(async () => {
  await server?.close();
});

type Settings = { groundTruth: { name: string; regions: number; channels: string[] } | null };

test('the sidecar is read when the server calls it application/octet-stream', async ({ page }) => {
  const res = await fetch(`${server.url}/demo.geojson`);
  expect(res.headers.get('content-type')).toBe('application/octet-stream');
  await gotoApp(page);
  await page.evaluate((url) => window.mrnViewer!.open(url), `${server.url}/demo.tiff`);
  expect((await waitSettled(page)).status).toBe('ready');
  await expect
    .poll(() => call<Settings>(page, 'heatmap', {}).then((s) => s.groundTruth), { timeout: 30_000 })
    .toEqual({ name: 'demo.geojson', regions: expect.any(Number), channels: ['tumour'] });
  const truth = (await call<Settings>(page, 'heatmap', {})).groundTruth!;
  expect(truth.regions).toBeGreaterThan(1);
});

test('a sidecar that does not parse is reported', async ({ page }) => {
  await gotoApp(page);
  await page.evaluate((url) => window.mrnViewer!.open(url), `${server.url}/broken.tiff`);
  expect((await waitSettled(page)).status).toBe('ready');
  await expect(page.getByTestId('banner')).toHaveClass(/warning/, { timeout: 30_000 });
  await expect(page.getByTestId('banner-text')).toContainText('broken.geojson could not be read');
  expect((await call<Settings>(page, 'heatmap', {})).groundTruth).toBeNull();
});

test('no navigator box shows before a slide is open', async ({ page }) => {
  await gotoApp(page);
  await expect(page.locator('#viewer .navigator')).toHaveCount(1);
  await expect(page.locator('#viewer .navigator')).toBeHidden();
  await page.evaluate(() => window.mrnViewer!.open('/demo/demo.tiff'));
  expect((await waitSettled(page)).status).toBe('ready');
  await expect(page.locator('#viewer .navigator')).toBeVisible();
});

test('in the split view the toast leaves the right model label visible', async ({ page }) => {
  test.setTimeout(120_000);
  await gotoApp(page);
  await page.evaluate(() => window.mrnViewer!.open('/demo/demo.tiff'));
  expect((await waitSettled(page)).status).toBe('ready');
  await call(page, 'heatmap', { backend: 'wasm' });
  await page.evaluate(() =>
    (window.mrnViewer!.compare as (o: object) => Promise<unknown>)({
      left: 'test-tiny-unet',
      right: 'test-tiny-mrn',
      region: { x: 4300, y: 3700, width: 100, height: 100 },
    }),
  );
  // an error toast: an analysis with a model that does not exist
  await expect(call(page, 'analyze', { model: 'no-such-model', region: 'viewport' })).rejects.toThrow();
  const banner = page.getByTestId('banner');
  const label = page.locator('.compare-label.right');
  await expect(banner).toBeVisible();
  await expect(label).toBeVisible();
  const [b, l] = [await banner.boundingBox(), await label.boundingBox()];
  expect(b && l).toBeTruthy();
  const overlap = !(
    b!.x + b!.width <= l!.x ||
    l!.x + l!.width <= b!.x ||
    b!.y + b!.height <= l!.y ||
    l!.y + l!.height <= b!.y
  );
  expect(overlap, `banner ${JSON.stringify(b)} label ${JSON.stringify(l)}`).toBe(false);
});
