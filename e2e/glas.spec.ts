// Real tissue end to end: a malignant GlaS image of test part A opens over HTTP from a GlaS-style
// folder (img/, mask/, Grade.csv); its gland mask becomes gland and tumour truth by itself (the URL
// sidecar); the GlaS U-Net and MRN are compared side by side over the whole image, on the tumour
// and the gland channels, with Dice and IoU read back from the API; a screenshot of the compare
// view goes under test-results (never committed: it shows GlaS pixels).
// Needs ../shared/glas and the shipped GlaS models; skips without them.

import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { decode as decodePng } from 'fast-png';
import type { SlideServer } from '../scripts/serve-slides';
import { startSlideServer } from '../scripts/serve-slides';
import { call, expect, gotoApp, ROOT, sharedPath, test, waitSettled } from './fixtures';

const TEST_A = sharedPath('glas', 'testA');
const LEFT = 'glas-unet';
const RIGHT = 'glas-mrn-bilinear';
const HAVE =
  existsSync(TEST_A) && [LEFT, RIGHT].every((m) => existsSync(path.join(ROOT, 'models', m, 'card.json')));

interface Stats {
  model: string;
  channel: string;
  patches: number;
  analysedPixels: number;
  backend: string | null;
  dice?: number;
  iou?: number;
}
interface Truth {
  name: string;
  channels: string[];
  grade: string | null;
}

/** The first malignant and the first benign image of test part A (Grade.csv order). */
function pick(): { malignant: string; benign: string; csv: string } {
  const csv = readFileSync(path.join(TEST_A, 'Grade.csv'), 'utf8');
  const rows = csv
    .trim()
    .split(/\r?\n/)
    .slice(1)
    .map((l) => l.split(','));
  return {
    malignant: rows.find((r) => r[2] === 'malignant')![0],
    benign: rows.find((r) => r[2] === 'benign')![0],
    csv,
  };
}

let server: SlideServer;
let dir: string;
test.beforeAll(async () => {
  if (!HAVE) return;
  dir = mkdtempSync(path.join(tmpdir(), 'mrn-glas-'));
  mkdirSync(path.join(dir, 'img'));
  mkdirSync(path.join(dir, 'mask'));
  const { malignant, benign, csv } = pick();
  for (const n of [malignant, benign]) {
    copyFileSync(path.join(TEST_A, 'img', `${n}.png`), path.join(dir, 'img', `${n}.png`));
    copyFileSync(path.join(TEST_A, 'mask', `${n}.png`), path.join(dir, 'mask', `${n}.png`));
    writeFileSync(path.join(dir, 'img', `${n}.json`), '{"mpp": 0.62}');
  }
  writeFileSync(path.join(dir, 'Grade.csv'), csv);
  server = await startSlideServer(dir);
});
test.afterAll(() => server?.close());

test('a malignant GlaS image with its mask: U-Net vs MRN side by side, Dice and IoU per channel', async ({
  page,
}, info) => {
  test.skip(!HAVE, '../shared/glas or the GlaS models are not available');
  test.setTimeout(300_000);
  const { malignant } = pick();
  const mask = decodePng(readFileSync(path.join(TEST_A, 'mask', `${malignant}.png`)));
  await gotoApp(page);
  await page.evaluate((url) => window.mrnViewer!.open(url), `${server.url}/img/${malignant}.png`);
  const s = await waitSettled(page, 60_000);
  expect(s.status).toBe('ready');
  expect(s).toMatchObject({ width: mask.width, height: mask.height, mpp: 0.62 });
  // the mask sidecar, graded malignant by Grade.csv: gland and tumour truth
  await expect
    .poll(async () => (await call<{ groundTruth: Truth | null }>(page, 'heatmap', {})).groundTruth, {
      timeout: 30_000,
    })
    .toMatchObject({ name: `mask/${malignant}.png`, channels: ['gland', 'tumour'], grade: 'malignant' });
  const models = await call<{ id: string; channels: string[]; group: string }[]>(page, 'models');
  for (const id of [LEFT, RIGHT])
    expect(models.find((m) => m.id === id)).toMatchObject({
      channels: ['tumour', 'gland'],
      group: 'GlaS colon',
    });
  const whole = { x: 0, y: 0, width: mask.width, height: mask.height };
  const results: Record<string, { left: Stats; right: Stats }> = {};
  for (const channel of ['gland', 'tumour']) {
    const out = await call<{ left: Stats; right: Stats }>(page, 'compare', {
      left: LEFT,
      right: RIGHT,
      region: whole,
      backend: 'wasm',
      channel,
    });
    for (const [side, st] of Object.entries(out)) {
      expect(st.channel, side).toBe(channel);
      expect(st.backend, side).toBe('wasm');
      // tissue detection is off on GlaS cards: the whole image is analysed (no background skipped)
      expect(st.analysedPixels, side).toBeGreaterThan(0.95 * (mask.width / 2) * (mask.height / 2));
      expect(st.dice, side).toBeGreaterThanOrEqual(0);
      expect(st.dice, side).toBeLessThanOrEqual(1);
      expect(st.iou, side).toBeLessThanOrEqual(st.dice!);
      // Dice and IoU of one confusion matrix: IoU = D / (2 − D)
      expect(st.iou!, side).toBeCloseTo(st.dice! / (2 - st.dice!), 6);
    }
    expect(out.left.model).toBe(channel === 'tumour' ? LEFT : `${LEFT}#gland`);
    expect(out.right.model).toBe(channel === 'tumour' ? RIGHT : `${RIGHT}#gland`);
    expect(out.right.analysedPixels).toBe(out.left.analysedPixels);
    results[channel] = out;
  }
  console.log('glas compare', malignant, JSON.stringify(results));
  // trained models find the glands of a real image (far better than chance)
  expect(results.gland.left.dice!).toBeGreaterThan(0.5);
  expect(results.gland.right.dice!).toBeGreaterThan(0.5);
  // the channel picker shows the channel in the UI, and the summary names it
  await page.keyboard.press('m');
  await expect(page.getByTestId('channel-select')).toHaveValue('tumour');
  await page.getByTestId('channel-select').selectOption('gland');
  await expect
    .poll(async () => (await call<{ model: string }>(page, 'heatmap', {})).model)
    .toBe(`${LEFT}#gland`);
  const csv = await call<string>(page, 'exportSummary', `${LEFT}#gland`, 'csv');
  expect(csv).toMatch(/model\.channel,gland/);
  await call(page, 'heatmap', { channel: 'tumour', opacity: 0.6 });
  await page.evaluate(() => window.mrnViewer!.setViewport({ zoom: 1.2 }));
  await page.evaluate(() => window.mrnViewer!.ready());
  await expect(page.locator('#viewer-compare')).toBeVisible();
  // GlaS pixels: kept with this run's results only
  await page.screenshot({ path: info.outputPath('glas-compare.png') });
});
