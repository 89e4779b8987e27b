// Shared test fixture: every test fails on an uncaught page error, and gets helpers for the app.

import path from 'node:path';
import { test as base, expect, type Page } from '@playwright/test';
import type { RgbImage } from '../scripts/fixtures/pattern';
import { missingShared, sharedPath, sharedSkipReason } from '../src/util/node/shared-data';

export const ROOT = path.resolve(import.meta.dirname, '..');
// ../shared paths come from the one module that names them (src/util/node/shared-data.ts)
export const SVS = sharedPath('cmuSvs');
export const CAMELYON = sharedPath('camelyonLevel5');
export const HAVE_SHARED = missingShared('cmuSvs').length === 0;
export const HAVE_CAMELYON = missingShared('camelyonLevel5').length === 0;
/** The skip reason of a spec that needs these ../shared files ('' when all are there). */
export { sharedPath, sharedSkipReason };

export const test = base.extend<{ pageErrors: Error[] }>({
  pageErrors: [
    async ({ page }, use) => {
      const errors: Error[] = [];
      page.on('pageerror', (e) => errors.push(e));
      await use(errors);
      expect(
        errors.map((e) => e.message),
        'uncaught errors in the page',
      ).toEqual([]);
    },
    { auto: true },
  ],
});

export { expect };

/** Waits until the API reports a settled status and returns the state. */
export async function waitSettled(
  page: Page,
  timeout = 30_000,
): Promise<{ status: string; error: string | null }> {
  await page.waitForFunction(
    () => {
      const s = window.mrnViewer?.state().status;
      return s === 'ready' || s === 'error';
    },
    undefined,
    { timeout },
  );
  return page.evaluate(() => window.mrnViewer!.state());
}

/** Opens the app and waits for the API to be installed. */
export async function gotoApp(page: Page, query = ''): Promise<void> {
  await page.goto(`/${query}`);
  await page.waitForFunction(() => !!window.mrnViewer);
}

export type ApiState = Awaited<ReturnType<NonNullable<Window['mrnViewer']>['state']>>;

/** Opens the app, types `url` into the Slide URL field and opens it; the settled status. */
export async function openFromUrlField(page: Page, url: string, timeout = 30_000) {
  await gotoApp(page);
  await page.getByLabel('Slide URL').fill(url);
  await page.getByRole('button', { name: 'Open URL' }).click();
  return waitSettled(page, timeout);
}

/** As openFromUrlField, and the slide must open with no error; the whole API state. */
export async function openUrlOk(page: Page, url: string, timeout = 60_000): Promise<ApiState> {
  const s = await openFromUrlField(page, url, timeout);
  expect(s.error).toBeNull();
  return page.evaluate(() => window.mrnViewer!.state());
}

/** Per-channel standard deviation of a PNG screenshot (0 for a blank image). */
export async function imageStdDev(png: Buffer): Promise<number> {
  const sharp = (await import('sharp')).default;
  const stats = await sharp(png).removeAlpha().stats();
  return Math.max(...stats.channels.map((c) => c.stdev));
}

/** Largest per-channel difference between RGBA bytes and the pattern window at (x0, y0). */
export function worstDiff(
  px: Uint8Array,
  width: number,
  height: number,
  want: RgbImage,
  x0: number,
  y0: number,
) {
  let worst = 0;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const g = (y * width + x) * 4;
      const w = ((y0 + y) * want.width + x0 + x) * 3;
      for (let c = 0; c < 3; c++) worst = Math.max(worst, Math.abs(px[g + c] - want.data[w + c]));
    }
  }
  return worst;
}

/** Decodes mrnViewer.readRegion's base64 RGBA. */
export function decodeRegion(r: { width: number; height: number; data: string | number[] }): Uint8Array {
  return typeof r.data === 'string' ? new Uint8Array(Buffer.from(r.data, 'base64')) : Uint8Array.from(r.data);
}

export { call } from './api-call';
