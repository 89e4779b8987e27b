// Real tissue end to end: a malignant GlaS image of test part A opens over HTTP from a GlaS-style
// folder (img/, mask/, Grade.csv); its gland mask becomes gland and tumour truth by itself (the URL
// sidecar); the GlaS U-Net and MRN are compared side by side over the whole image, on the tumour
// and the gland channels, with Dice and IoU read back from the API; a screenshot of the compare
// view goes under test-results (never committed: it shows GlaS pixels). A plain GlaS PNG dropped as
// Files with its mask and Grade.csv asks for the mpp first, then the mask attaches (and so does a
// GeoJSON annotation dropped with it). The model picker
// groups models by training data (read from the DOM) and warns when the slide's mpp is far.
// Flip averaging (analyze flips: 4) gives its own gland heatmap over the same tiles, shown in the
// panel, and flips: null computes the plain one again.
// Needs ../shared/glas and the shipped GlaS models; skips without them.

import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Page } from '@playwright/test';
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
  for (const id of [LEFT, RIGHT]) {
    // the card's channels, in its order: tumour and gland, and on a border-trained model its border
    const card = JSON.parse(readFileSync(path.join(ROOT, 'models', id, 'card.json'), 'utf8'));
    const names = card.output.channels.map((c: { name: string }) => c.name);
    expect(names.slice(0, 2)).toEqual(['tumour', 'gland']);
    expect(models.find((m) => m.id === id)).toMatchObject({ channels: names, group: 'GlaS colon' });
  }
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
  // test-time flip averaging: the MRN's gland channel again over the same image, 4 flipped copies
  // per tile averaged; its own heatmap (the store of the plain run is replaced), the same tiles
  const flipped = await call<{ flips: number; patches: number; stats: Stats }>(page, 'analyze', {
    model: RIGHT,
    channel: 'gland',
    region: whole,
    backend: 'wasm',
    flips: 4,
  });
  expect(flipped.flips).toBe(4);
  expect(flipped.stats.analysedPixels).toBe(results.gland.right.analysedPixels);
  expect(flipped.stats.dice!).toBeGreaterThan(0.5);
  expect(flipped.stats.dice).not.toBe(results.gland.right.dice);
  // sticky, and shown in the panel; null goes back to the card's default (none), and the plain
  // run is computed again to the same Dice
  await page.keyboard.press('m'); // the analysis panel, open from here on
  await expect(page.getByTestId('flips')).toHaveValue('4');
  const plain = await call<{ flips: number; stats: Stats }>(page, 'analyze', {
    model: RIGHT,
    channel: 'gland',
    region: whole,
    backend: 'wasm',
    flips: null,
  });
  expect(plain.flips).toBe(1);
  expect(plain.stats.dice).toBeCloseTo(results.gland.right.dice!, 6);
  await expect(page.getByTestId('flips')).toHaveValue('');
  console.log('glas flips', JSON.stringify({ plain: plain.stats.dice, flips4: flipped.stats.dice }));
  // the channel picker shows the channel in the UI, and the summary names it
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

/** Drops files on the page as the browser does: a DataTransfer of Files on a drop event. */
async function drop(page: Page, files: { name: string; url: string }[]) {
  await page.evaluate(async (list) => {
    const dt = new DataTransfer();
    for (const f of list) dt.items.add(new File([await (await fetch(f.url)).arrayBuffer()], f.name));
    window.dispatchEvent(new DragEvent('drop', { dataTransfer: dt, cancelable: true, bubbles: true }));
  }, files);
}

test('a plain GlaS PNG dropped with its mask and Grade.csv: the mpp prompt first, then the mask becomes its truth', async ({
  page,
}) => {
  test.skip(!HAVE, '../shared/glas or the GlaS models are not available');
  test.setTimeout(180_000);
  const { malignant } = pick();
  const mask = decodePng(readFileSync(path.join(TEST_A, 'mask', `${malignant}.png`)));
  await gotoApp(page);
  // dropped Files carry no sidecar: the image's mpp is unknown
  await drop(page, [
    { name: `${malignant}.png`, url: `${server.url}/img/${malignant}.png` },
    { name: `${malignant}_anno.png`, url: `${server.url}/mask/${malignant}.png` },
    { name: 'Grade.csv', url: `${server.url}/Grade.csv` },
  ]);
  const s = await waitSettled(page, 60_000);
  expect(s).toMatchObject({ status: 'ready', width: mask.width, height: mask.height, mpp: null });
  await expect(page.getByTestId('mpp-prompt')).toBeVisible();
  // the mask waits for the prompt: no truth yet (nor an error), and it attaches once the mpp is entered
  expect((await call<{ groundTruth: Truth | null }>(page, 'heatmap', {})).groundTruth).toBeNull();
  await page.getByLabel('Microns per pixel').fill('0.62');
  await page.getByTestId('mpp-prompt').getByRole('button', { name: 'Set' }).click();
  await expect(page.getByTestId('mpp-prompt')).toBeHidden();
  expect(await page.evaluate(() => window.mrnViewer!.state())).toMatchObject({
    mpp: 0.62,
    mppSource: 'user',
  });
  // gland and tumour truth, graded by the dropped Grade.csv; aligned: the GlaS U-Net's gland channel scores on it
  await expect
    .poll(async () => (await call<{ groundTruth: Truth | null }>(page, 'heatmap', {})).groundTruth, {
      timeout: 30_000,
    })
    .toMatchObject({ name: `${malignant}_anno.png`, channels: ['gland', 'tumour'], grade: 'malignant' });
  const { stats: st } = await call<{ stats: Stats }>(page, 'analyze', {
    model: LEFT,
    channel: 'gland',
    region: { x: 0, y: 0, width: mask.width, height: mask.height },
    backend: 'wasm',
  });
  expect(st).toMatchObject({ model: `${LEFT}#gland`, channel: 'gland' });
  expect(st.dice!).toBeGreaterThan(0.5);
});

test('a plain GlaS PNG dropped with a GeoJSON annotation: it waits for the mpp prompt too, then becomes its truth', async ({
  page,
}) => {
  test.skip(!HAVE, '../shared/glas or the GlaS models are not available');
  test.setTimeout(120_000);
  const { malignant } = pick();
  const mask = decodePng(readFileSync(path.join(TEST_A, 'mask', `${malignant}.png`)));
  // a hand-made rectangle (level-0 pixels), not drawn from the image
  const geojson = JSON.stringify({
    type: 'FeatureCollection',
    features: [
      {
        type: 'Feature',
        properties: {},
        geometry: {
          type: 'Polygon',
          coordinates: [
            [
              [100, 100],
              [400, 100],
              [400, 300],
              [100, 300],
              [100, 100],
            ],
          ],
        },
      },
    ],
  });
  await gotoApp(page);
  await drop(page, [
    { name: `${malignant}.png`, url: `${server.url}/img/${malignant}.png` },
    { name: 'glands.geojson', url: `data:application/json,${encodeURIComponent(geojson)}` },
  ]);
  expect(await waitSettled(page, 60_000)).toMatchObject({ status: 'ready', width: mask.width, mpp: null });
  await expect(page.getByTestId('mpp-prompt')).toBeVisible();
  expect((await call<{ groundTruth: Truth | null }>(page, 'heatmap', {})).groundTruth).toBeNull();
  await page.getByLabel('Microns per pixel').fill('0.62');
  await page.getByTestId('mpp-prompt').getByRole('button', { name: 'Set' }).click();
  await expect
    .poll(async () => (await call<{ groundTruth: Truth | null }>(page, 'heatmap', {})).groundTruth, {
      timeout: 30_000,
    })
    .toMatchObject({ name: 'glands.geojson' });
});

test('the model picker groups models by what they were trained on, and warns when the mpp is far', async ({
  page,
}) => {
  test.skip(!HAVE, '../shared/glas or the GlaS models are not available');
  const { benign } = pick();
  await gotoApp(page);
  await page.evaluate((url) => window.mrnViewer!.open(url), `${server.url}/img/${benign}.png`);
  expect(await waitSettled(page, 60_000)).toMatchObject({ status: 'ready', mpp: 0.62 });
  const models = await call<{ id: string; group: string; slideMpp: number | null }[]>(page, 'models');
  await page.keyboard.press('m');
  const picker = page.getByLabel('Model', { exact: true });
  await expect(picker).toBeVisible();
  // the picker's groups, read from the DOM: each option sits under the group its card names
  const groups = await picker.evaluate((el) =>
    [...el.querySelectorAll('optgroup')].map((g) => ({
      label: g.label,
      ids: [...g.querySelectorAll('option')].map((o) => o.value),
    })),
  );
  const labels = groups.map((g) => g.label);
  expect(labels).toEqual(expect.arrayContaining(['Synthetic lymph node', 'GlaS colon']));
  expect(labels.indexOf('Synthetic lymph node')).toBeLessThan(labels.indexOf('GlaS colon'));
  for (const g of groups)
    for (const id of g.ids) expect(models.find((m) => m.id === id)?.group, id).toBe(g.label);
  const glas = groups.find((g) => g.label === 'GlaS colon')!.ids;
  expect(glas).toEqual(expect.arrayContaining([LEFT, RIGHT]));
  expect(groups.find((g) => g.label === 'Synthetic lymph node')!.ids).toContain('unet');
  // a GlaS model on a 0.62 µm/px image: no warning; on a 0.25 µm/px one (40×): warned
  await picker.selectOption(LEFT);
  await expect(picker).toHaveValue(LEFT);
  await expect(page.getByTestId('mpp-warning-model')).toHaveCount(0);
  await page.evaluate(() => window.mrnViewer!.setMpp(0.25));
  await expect(page.getByTestId('mpp-warning-model')).toContainText(
    'was trained on 0.62 µm/px slides; this slide is 0.25 µm/px (2.5× apart)',
  );
  // a synthetic model states no slide mpp (its inputs are resampled from any slide): no warning
  expect(models.find((m) => m.id === 'unet')?.slideMpp).toBeNull();
  await picker.selectOption('unet');
  await expect(page.getByTestId('mpp-warning-model')).toHaveCount(0);
});
