// Shared test fixture: every test fails on an uncaught page error, and gets helpers for the app.

import path from 'node:path';
import { test as base, expect, type Page } from '@playwright/test';
import type { RgbImage } from '../scripts/fixtures/pattern';
import { missingShared, sharedPath, sharedSkipReason } from '../src/util/node/shared-data';
import { call } from './api-call';

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

/**
 * Picks `files` in the file input and waits for this open to end: the expected `format`, or a new
 * error. Sorting the picked files reads their headers before the open starts, so until then the
 * state is the previous slide's.
 */
export async function pickFiles<T = ApiState>(page: Page, files: string[], format: string): Promise<T> {
  const before = await page.evaluate(() => window.mrnViewer!.state().error);
  await page.getByTestId('file-input').setInputFiles(files);
  await page.waitForFunction(
    ([f, e]) => {
      const s = window.mrnViewer?.state();
      return (s?.status === 'error' && s.error !== e) || (s?.status === 'ready' && s.format === f);
    },
    [format, before] as const,
    { timeout: 120_000 },
  );
  return (await waitSettled(page)) as T;
}

/** Mean absolute difference of readRegion on the open slide against the same region of the SVS (opened in between). */
export async function madAgainstSvs(page: Page, region: object): Promise<number> {
  const other = await call<{ data: number[] }>(page, 'readRegion', { ...region, encoding: 'array' });
  const s = await pickFiles(page, [SVS], 'aperio-svs');
  expect(s.status).toBe('ready');
  const svs = await call<{ data: number[] }>(page, 'readRegion', { ...region, encoding: 'array' });
  let d = 0;
  for (let i = 0; i < svs.data.length; i++) d += Math.abs(svs.data[i] - other.data[i]);
  return d / svs.data.length;
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

export { call };
