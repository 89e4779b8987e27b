// Batch results in the viewer: `npm run batch -- analyze` (the real CLI, the shipped MRN) on a
// slide generated here, then the slide opened in Chromium with its output folder, by the folder
// picker, by loose files in the file input, by the `?slide=&results=` deep link and by
// mrnViewer.openResults(url). The stored heatmap is the layer (samples equal the stored store's,
// cell for cell), heatmapStats and the panel show the summary's numbers, nothing is recomputed, and
// the viewer's own whole-slide analysis of the same slide (both with the coarse-to-fine cascade, the
// default of each) gives the same tumour area and the same cascade counts.
import { execFile } from 'node:child_process';
import { copyFileSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { type SlideServer, startSlideServer } from '../scripts/serve-slides';
import { decodeHeatmapBytes } from '../src/heatmap/heatmap-file';
import type { ProbabilityStore } from '../src/heatmap/probability-store';
import { writeSyntheticSlide } from '../src/synth/node/write-synthetic-slide';
import { call } from './api-call';
import { expect, gotoApp, ROOT, test, waitSettled } from './fixtures';

const MODEL = 'mrn-bilinear';
const SLIDE = 's3101';
/** the browser's and Node's TF.js wasm kernels and JPEG decoders: same pixels, same floats (measured 0) */
const AREA_TOLERANCE = 0.01; // relative
// an own port for the slide server (this checkout's e2e port + 2 is the Orthanc sidecar's)
const SERVER_PORT = Number(process.env.MRN_E2E_PORT ?? 5199) + 7;

let work: string;
let caseDir: string;
let resultDir: string;
let server: SlideServer;
let summary: {
  tumourAreaMm2: number;
  analysedAreaMm2: number;
  patches: number;
  backend: string;
  cascade: {
    screenModel: string;
    screenPatches: number;
    refinedPatches: number;
    skippedPatches: number;
  } | null;
};
let stored: ProbabilityStore;
/** tissue points (level-0) where the stored heatmap has values */
let points: [number, number][];

test.describe.configure({ mode: 'serial' });

test.beforeAll(async () => {
  test.setTimeout(900_000);
  work = await mkdtemp(path.join(tmpdir(), 'mrn-e2e-batch-'));
  const gen = path.join(work, 'gen');
  const slide = await writeSyntheticSlide({ seed: 3101, sizeMm: 1, outDir: gen, name: SLIDE });
  // the case folder holds only the slide and its batch output (the generator's sidecars stay out)
  caseDir = path.join(work, 'case');
  mkdirSync(caseDir, { recursive: true });
  copyFileSync(slide.tiff, path.join(caseDir, `${SLIDE}.tiff`));
  const out = path.join(caseDir, 'out');
  await promisify(execFile)(
    process.execPath,
    [
      '--import',
      'tsx',
      'scripts/batch.ts',
      'analyze',
      '--model',
      MODEL,
      '--out',
      out,
      path.join(caseDir, `${SLIDE}.tiff`),
    ],
    { cwd: ROOT, timeout: 800_000 },
  );
  resultDir = path.join(out, SLIDE, MODEL);
  summary = JSON.parse(readFileSync(path.join(resultDir, 'summary.json'), 'utf8'));
  stored = await decodeHeatmapBytes(readFileSync(path.join(resultDir, 'heatmap.bin.gz')));
  points = [];
  for (let y = 100; y < 2000 && points.length < 40; y += 137)
    for (let x = 100; x < 2000 && points.length < 40; x += 211)
      if (!Number.isNaN(stored.sampleLevel0(x, y))) points.push([x, y]);
  server = await startSlideServer(work, SERVER_PORT);
});

test.afterAll(async () => {
  await server?.close();
  if (work) await rm(work, { recursive: true, force: true });
});

async function waitResults(page: import('@playwright/test').Page) {
  await page.waitForFunction(
    (m) => !!(window.mrnViewer?.batchResults as (() => Record<string, unknown>) | undefined)?.()?.[m],
    MODEL,
    { timeout: 60_000 },
  );
}

async function checkStored(page: import('@playwright/test').Page) {
  const stats = await call<{
    patches: number;
    tumourAreaMm2: number;
    analysedAreaMm2: number;
    backend: string;
  }>(page, 'heatmapStats', MODEL);
  expect(stats.patches).toBe(summary.patches);
  expect(stats.tumourAreaMm2).toBeCloseTo(summary.tumourAreaMm2, 9);
  expect(stats.analysedAreaMm2).toBeCloseTo(summary.analysedAreaMm2, 9);
  expect(stats.backend).toBe(summary.backend);
  const samples = await page.evaluate(
    ({ m, pts }) => {
      const sample = window.mrnViewer!.sampleHeatmap as (m: string, x: number, y: number) => number | null;
      return pts.map(([x, y]) => sample(m, x, y));
    },
    { m: MODEL, pts: points },
  );
  expect(samples.every((v) => v !== null)).toBe(true);
  expect(samples).toEqual(points.map(([x, y]) => stored.sampleLevel0(x, y)));
  const info = await call<{ layers: { main: { visible: boolean } }; jobs: Record<string, unknown> }>(
    page,
    'analysisInfo',
  );
  expect(info.layers.main.visible).toBe(true);
  // pan: a live run would start after the debounce; none does for a stored result
  await page.evaluate(() => window.mrnViewer!.setViewport({ x: 600, y: 700, zoom: 0.5 }));
  await page.waitForTimeout(1500);
  expect((await call<{ jobs: Record<string, unknown> }>(page, 'analysisInfo')).jobs[MODEL]).toBeUndefined();
}

test('a slide picked with its batch output folder shows the stored heatmap, stats and panel; own analysis agrees', async ({
  page,
}) => {
  test.setTimeout(900_000);
  await gotoApp(page);
  await page.getByTestId('folder-input').setInputFiles(caseDir);
  expect((await waitSettled(page)).status).toBe('ready');
  await waitResults(page);
  expect(await page.evaluate(() => window.mrnViewer!.state().name)).toBe(`${SLIDE}.tiff`);
  const shown = (
    await call<Record<string, { tumourAreaMm2: number; patches: number; from: string }>>(page, 'batchResults')
  )[MODEL];
  expect(shown).toMatchObject({ tumourAreaMm2: summary.tumourAreaMm2, patches: summary.patches });
  expect(shown.from).toBe(`case/out/${SLIDE}/${MODEL}`);
  await checkStored(page);
  await page.keyboard.press('m');
  await expect(page.getByTestId(`batch-tumour-${MODEL}`)).toHaveText(summary.tumourAreaMm2.toFixed(4));
  await expect(page.getByTestId(`batch-patches-${MODEL}`)).toHaveText(String(summary.patches));
  await expect(page.getByTestId('heatmap-stats')).toContainText(summary.tumourAreaMm2.toFixed(4));

  // the viewer's own analysis of the whole slide, from scratch
  await call(page, 'clearHeatmap', MODEL);
  expect(await call(page, 'sampleHeatmap', MODEL, points[0][0], points[0][1])).toBeNull();
  // both ran the coarse-to-fine cascade, on by default in the batch as in the viewer
  expect(summary.cascade?.screenModel).toBe('unet-context');
  const own = await call<{
    tumourAreaMm2: number;
    patches: number;
    cascade: { screenModel: string; screenPatches: number; refinedPatches: number; skippedPatches: number };
  }>(page, 'analyze', {
    model: MODEL,
    region: 'slide',
    backend: 'wasm',
    cascade: true,
  });
  console.log(`cascade: viewer ${JSON.stringify(own.cascade)}, batch ${JSON.stringify(summary.cascade)}`);
  expect(own.patches).toBe(summary.patches);
  expect(own.cascade).toMatchObject({
    screenModel: summary.cascade!.screenModel,
    screenPatches: summary.cascade!.screenPatches,
    refinedPatches: summary.cascade!.refinedPatches,
    skippedPatches: summary.cascade!.skippedPatches,
  });
  const rel = Math.abs(own.tumourAreaMm2 - summary.tumourAreaMm2) / summary.tumourAreaMm2;
  console.log(
    `own analysis ${own.tumourAreaMm2} mm² vs batch ${summary.tumourAreaMm2} mm² (relative difference ${rel})`,
  );
  expect(rel).toBeLessThanOrEqual(AREA_TOLERANCE);
  const samples = await page.evaluate(
    ({ m, pts }) => {
      const sample = window.mrnViewer!.sampleHeatmap as (m: string, x: number, y: number) => number;
      return pts.map(([x, y]) => sample(m, x, y));
    },
    { m: MODEL, pts: points },
  );
  const worst = Math.max(
    ...samples.map((v, i) => Math.abs(v - stored.sampleLevel0(points[i][0], points[i][1]))),
  );
  console.log(`largest probability difference at ${points.length} points: ${worst}`);
  expect(worst).toBeLessThanOrEqual(0.02);
});

test('the ?slide=&results= deep link opens the slide with its stored heatmap and keeps the link', async ({
  page,
}) => {
  const slideUrl = `${server.url}/case/${SLIDE}.tiff`;
  const resultsUrl = `${server.url}/case/out/${SLIDE}/`;
  await gotoApp(page, `?slide=${encodeURIComponent(slideUrl)}&results=${encodeURIComponent(resultsUrl)}`);
  expect((await waitSettled(page)).status).toBe('ready');
  await waitResults(page);
  await checkStored(page);
  expect(new URL(page.url()).searchParams.get('results')).toBe(resultsUrl);
  // another slide drops the results from the link
  await page.evaluate(() => window.mrnViewer!.open('/demo/demo.tiff'));
  expect((await waitSettled(page)).status).toBe('ready');
  expect(new URL(page.url()).searchParams.get('results')).toBeNull();
  expect(await call(page, 'batchResults')).toEqual({});
});

test('loose result files with the slide in the file input, and openResults(url) over an open slide', async ({
  page,
}) => {
  await gotoApp(page);
  const loose = readdirSync(resultDir).map((f) => path.join(resultDir, f));
  await page.getByTestId('file-input').setInputFiles([path.join(caseDir, `${SLIDE}.tiff`), ...loose]);
  expect((await waitSettled(page)).status).toBe('ready');
  await waitResults(page);
  await checkStored(page);

  await page.getByTestId('file-input').setInputFiles(path.join(caseDir, `${SLIDE}.tiff`));
  await page.waitForFunction(
    () => Object.keys((window.mrnViewer!.batchResults as () => object)()).length === 0,
  );
  expect((await waitSettled(page)).status).toBe('ready');
  const shown = await call<{ model: string }[]>(
    page,
    'openResults',
    `${server.url}/case/out/${SLIDE}/${MODEL}/`,
  );
  expect(shown.map((s) => s.model)).toEqual([MODEL]);
  await checkStored(page);
  // results of another slide are refused with a sentence
  await page.evaluate(() => window.mrnViewer!.open('/demo/demo.tiff'));
  expect((await waitSettled(page)).status).toBe('ready');
  const err = await page.evaluate(
    (u) =>
      (window.mrnViewer!.openResults as (u: string) => Promise<unknown>)(u).then(
        () => 'opened',
        (e: Error) => e.message,
      ),
    `${server.url}/case/out/${SLIDE}/`,
  );
  expect(err).toMatch(/is of s3101 \(2000×2000 px\); the open slide demo\.tiff is/);
});
