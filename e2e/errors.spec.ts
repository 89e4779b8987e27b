// Failures must be explained in the UI, quickly, without uncaught page errors: every bad fixture
// file, and every way a slide server can fail (404, no Range over the download cap, no CORS, a
// connection that drops mid-session).

import { copyFileSync, existsSync, mkdirSync, readdirSync, truncateSync } from 'node:fs';
import path from 'node:path';
import { BAD_FIXTURES } from '../scripts/fixtures/bad-fixtures';
import type { SlideServer } from '../scripts/serve-slides';
import { startSlideServer } from '../scripts/serve-slides';
import {
  expect,
  gotoApp,
  HAVE_SHARED,
  imageStdDev,
  openFromUrlField,
  ROOT,
  SVS,
  sharedPath,
  sharedSkipReason,
  test,
  waitSettled,
} from './fixtures';

const BAD_DIR = path.join(ROOT, '.cache/fixtures/bad');

test.describe('bad files', () => {
  test('fixtures exist', () => {
    expect(existsSync(BAD_DIR) ? readdirSync(BAD_DIR).length : 0, `no fixtures in ${BAD_DIR}`).toBe(
      BAD_FIXTURES.length,
    );
  });
  for (const fx of BAD_FIXTURES) {
    test(`explains ${fx.file} (fails on ${fx.failsOn})`, async ({ page }) => {
      await gotoApp(page);
      await page.getByTestId('file-input').setInputFiles(path.join(BAD_DIR, fx.file));
      const banner = page.getByTestId('banner');
      if (fx.failsOn === 'never') {
        // Read as white where tiles are empty: it opens, and no tile fails.
        expect((await waitSettled(page)).status).toBe('ready');
        await page.evaluate(() => window.mrnViewer!.ready());
        expect((await page.evaluate(() => window.mrnViewer!.stats())).tiles.failed).toBe(0);
        await expect(banner).toBeHidden();
        return;
      }
      await expect(banner).toBeVisible({ timeout: 2000 });
      await expect(banner).toHaveClass(fx.failsOn === 'open' ? /error/ : /warning/);
      const text = (await banner.getByTestId('banner-text').textContent()) ?? '';
      expect(text).toMatch(fx.mentions);
      expect(text).not.toMatch(/undefined|\[object/);
      const state = await page.evaluate(() => window.mrnViewer!.state());
      expect(state.status).toBe(fx.failsOn === 'open' ? 'error' : 'ready');
      // The page stays usable: the message can be dismissed and the buttons still work.
      await banner.getByRole('button', { name: 'Dismiss' }).click();
      await expect(banner).toBeHidden();
      await expect(page.getByRole('button', { name: 'Open file…' }).first()).toBeEnabled();
    });
  }
});

test.describe('URL failures', () => {
  test.skip(!HAVE_SHARED, sharedSkipReason('cmuSvs'));
  let slides: SlideServer;
  let demo: SlideServer;
  let big: SlideServer;
  test.beforeAll(async () => {
    slides = await startSlideServer(sharedPath('slides'));
    demo = await startSlideServer(path.join(ROOT, 'public/demo'));
    // A sparse 300 MB file: larger than the reader's full-download cap, costs no disk.
    const dir = path.join(ROOT, '.cache/e2e-big');
    mkdirSync(dir, { recursive: true });
    const file = path.join(dir, 'big.svs');
    copyFileSync(SVS, file);
    truncateSync(file, 300 * 1024 * 1024);
    big = await startSlideServer(dir);
  });
  test.afterAll(async () => {
    await Promise.all([slides?.close(), demo?.close(), big?.close()]);
  });

  const openUrl = (page: import('@playwright/test').Page, url: string) => openFromUrlField(page, url);

  test('404', async ({ page }) => {
    const s = await openUrl(page, `${slides.url}/404/cmu-1-small-region.svs`);
    expect(s.status).toBe('error');
    await expect(page.getByTestId('banner-text')).toContainText('404');
    await expect(page.getByTestId('banner-text')).toContainText('not found');
  });

  test('server without Range support, file over the download cap', async ({ page }) => {
    const s = await openUrl(page, `${big.url}/no-range/big.svs`);
    expect(s.status).toBe('error');
    await expect(page.getByTestId('banner-text')).toContainText(/range/i);
  });

  test('server without Range support, small file is downloaded whole', async ({ page }) => {
    const s = await openUrl(page, `${slides.url}/no-range/cmu-1-small-region.svs`);
    expect(s.status).toBe('ready');
    expect(await page.evaluate(() => window.mrnViewer!.state().width)).toBe(2220);
  });

  test('CORS refusal', async ({ page }) => {
    const s = await openUrl(page, `${slides.url}/no-cors/cmu-1-small-region.svs`);
    expect(s.status).toBe('error');
    await expect(page.getByTestId('banner-text')).toContainText(/CORS|cross-origin/i);
  });

  test('connection dropped mid-session: tiles retry, fail visibly, and load after Retry', async ({
    page,
  }) => {
    test.setTimeout(90_000);
    const s = await openUrl(page, `${demo.url}/drop/demo.tiff`);
    expect(s.status).toBe('ready');
    await page.evaluate(() => window.mrnViewer!.ready());
    demo.dropAfter(0);
    // Somewhere not read yet, at full resolution.
    await page.evaluate(() => window.mrnViewer!.setViewport({ x: 6500, y: 6500, zoom: 1 }));
    const banner = page.getByTestId('banner');
    await expect(banner).toBeVisible({ timeout: 45_000 });
    await expect(banner).toContainText('could not be loaded');
    const failed = await page.evaluate(() => window.mrnViewer!.stats());
    expect(failed.tiles.failed).toBeGreaterThan(0);
    expect(failed.tiles.retried).toBeGreaterThan(0);

    demo.recover();
    await banner.getByRole('button', { name: 'Retry' }).click();
    await expect(banner).toBeHidden();
    await page.evaluate(() => window.mrnViewer!.ready());
    const after = await page.evaluate(() => window.mrnViewer!.stats());
    expect(after.tiles.loaded).toBeGreaterThan(failed.tiles.loaded);
    expect(after.tiles.failed).toBe(failed.tiles.failed);
    expect(await imageStdDev(await page.locator('#viewer').screenshot())).toBeGreaterThan(10);
  });
});
