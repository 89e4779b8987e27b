// The coarse-to-fine cascade in the browser (src/analysis/cascade.ts), on the demo slide with the
// shipped models on wasm: analyze() with and without it over one small region (same patches, same
// analysed area, the same tumour map; MRN on fewer patches), the live viewport heatmap covering the
// whole view coarse first then refined, and the message with the whole-slide run when zoomed out
// too far for even the coarse screen to be quick. Regions are small: software backends are slow.

import { existsSync } from 'node:fs';
import path from 'node:path';
import type { Page } from '@playwright/test';
import type { CascadeInfo } from '../src/state/analysis/cascade-run';
import { call, expect, gotoApp, ROOT, test, waitSettled } from './fixtures';

const DEMO = '/demo/demo.tiff';
const MRN = 'mrn-bilinear';
const SCREEN = 'unet-context';
const HAVE = [MRN, SCREEN].every((m) => existsSync(path.join(ROOT, 'models', m, 'card.json')));
/** around tumour 1 and the left edge of tumour 0 of the demo slide (e2e/analysis.spec.ts) */
const CENTRE = { x: 4400, y: 3700 };
const REGION = { x: CENTRE.x - 480, y: CENTRE.y - 360, width: 960, height: 720 };

interface Result {
  backend: string;
  patches: number;
  analysedAreaMm2: number;
  tumourAreaMm2: number;
  elapsedMs: number;
  cascade: CascadeInfo | null;
}
interface Job {
  done: number;
  total: number;
  cached: number;
  running: boolean;
  mode: string;
  elapsedMs: number;
  phase?: string;
  coarse?: { patches: number; ms: number };
}

test.skip(!HAVE, `needs the trained ${MRN} and ${SCREEN} in models/`);
test.use({ viewport: { width: 480, height: 360 } });

async function openDemo(page: Page, query: string): Promise<void> {
  await gotoApp(page, query);
  await page.evaluate((url) => window.mrnViewer!.open(url), DEMO);
  expect((await waitSettled(page)).status).toBe('ready');
}

/** Probability samples on a grid over a level-0 rect, null where not analysed. */
function grid(page: Page, model: string, r: typeof REGION, n = 24): Promise<(number | null)[]> {
  return page.evaluate(
    ([m, rect, k]) => {
      const out: (number | null)[] = [];
      const api = window.mrnViewer as unknown as {
        sampleHeatmap(m: string, x: number, y: number): number | null;
      };
      for (let j = 0; j < k; j++)
        for (let i = 0; i < k; i++)
          out.push(
            api.sampleHeatmap(
              m,
              rect.x + ((i + 0.5) * rect.width) / k,
              rect.y + ((j + 0.5) * rect.height) / k,
            ),
          );
      return out;
    },
    [model, r, n] as const,
  );
}

test('analyze({cascade}): the same patches, area and tumour map, coarse first, MRN only where unsure', async ({
  page,
}) => {
  test.setTimeout(240_000);
  await openDemo(page, '');
  await call(page, 'models');
  // MRN on its trained 64 px patches: on the default 256 px tiles each of this small region's 9
  // tiles touches an unsure tumour edge, so the screen skips none of them (measured: 9 of 9 refined)
  const full = await call<Result>(page, 'analyze', {
    model: MRN,
    region: REGION,
    backend: 'wasm',
    cascade: false,
    tileSize: 64,
  });
  expect(full.cascade).toBeNull();
  const fullGrid = await grid(page, MRN, REGION);
  await call(page, 'clearHeatmap', MRN);

  const fast = await call<Result>(page, 'analyze', {
    model: MRN,
    region: REGION,
    backend: 'wasm',
    cascade: true,
    tileSize: 64,
  });
  console.log('cascade', JSON.stringify(fast.cascade), 'elapsed', fast.elapsedMs, 'vs', full.elapsedMs);
  const c = fast.cascade!;
  expect(fast.backend).toBe('wasm'); // the concrete backend, never 'auto'
  expect(c.screenModel).toBe(SCREEN);
  expect(c.screenPatches).toBeGreaterThan(0);
  // patches and analysedAreaMm2 keep their meaning: every planned patch, MRN-refined or screen-filled
  expect(fast.patches).toBe(full.patches);
  expect(fast.analysedAreaMm2).toBeCloseTo(full.analysedAreaMm2, 9);
  expect(c.refinedPatches + c.skippedPatches).toBe(fast.patches);
  expect(c.refinedPatches).toBeGreaterThan(0); // tumour edges are in the region
  expect(c.skippedPatches).toBeGreaterThan(0);
  // the whole region was coarse before the first MRN patch landed
  expect(c.coarsePatches).toBe(fast.patches);
  expect(c.coarseMs).toBeLessThan(fast.elapsedMs);
  // and the final map says tumour where MRN everywhere says it, at the heatmap threshold
  const fastGrid = await grid(page, MRN, REGION);
  let both = 0;
  let agree = 0;
  for (let k = 0; k < fullGrid.length; k++) {
    const a = fullGrid[k];
    const b = fastGrid[k];
    expect(b === null).toBe(a === null);
    if (a === null || b === null) continue;
    both++;
    if (a >= 0.5 === b >= 0.5) agree++;
  }
  expect(both).toBeGreaterThan(100);
  expect(agree / both).toBeGreaterThan(0.98);
});

test('the viewport heatmap covers the whole view: coarse first, then refined (?cascade=1)', async ({
  page,
}) => {
  test.setTimeout(240_000);
  // 64 px MRN patches, as above: on 256 px tiles no tile of this view is sure, so none is cached
  await openDemo(page, '?cascade=1&tile=64');
  await page.evaluate((v) => window.mrnViewer!.setViewport(v, { immediately: true }), { ...CENTRE, zoom: 1 });
  await call(page, 'heatmap', { visible: true, model: MRN, backend: 'wasm' });
  const done = async () => {
    const j = (await call<{ jobs: Record<string, Job> }>(page, 'analysisInfo')).jobs[MRN];
    return j && !j.running && j.mode === 'viewport' && j.phase === 'refine' && j.done === j.total ? j : null;
  };
  await expect.poll(done, { timeout: 200_000, intervals: [500] }).not.toBeNull();
  const job = (await done())!;
  // a fresh page: nothing cached, so the coarse pass covered every planned patch of the view
  expect(job.cached).toBeGreaterThan(0); // the screen's sure patches count as done before MRN ran
  expect(job.coarse!.patches).toBe(job.total);
  // coverage of the view: wherever the screen analysed it, the MRN heatmap has a value
  const vp = await page.evaluate(() => window.mrnViewer!.viewport()!);
  const view = {
    x: vp.x - 240 / vp.zoom,
    y: vp.y - 180 / vp.zoom,
    width: 480 / vp.zoom,
    height: 360 / vp.zoom,
  };
  const mrn = await grid(page, MRN, view);
  const screen = await grid(page, SCREEN, view);
  const screened = screen.filter((v) => v !== null).length;
  const covered = mrn.filter((v, k) => v !== null && screen[k] !== null).length;
  console.log('view', JSON.stringify(view), 'coverage', covered, '/', screened, 'job', JSON.stringify(job));
  expect(screened).toBeGreaterThan(100);
  expect(covered / screened).toBe(1);
  expect((await call<{ viewportLimit: unknown }>(page, 'analysisInfo')).viewportLimit).toBeNull();
});

test('zoomed out too far for a quick coarse screen: the view says so and offers the whole slide', async ({
  page,
}) => {
  test.setTimeout(120_000);
  await openDemo(page, '?cascade=1');
  await page.evaluate(() => window.mrnViewer!.setViewport({ zoom: 0.04 }, { immediately: true }));
  await call(page, 'heatmap', { visible: true, model: MRN, backend: 'wasm' });
  type Limit = {
    model: string;
    screenModel: string;
    screenPatches: number;
    estimateS: number;
    budgetS: number;
  };
  const limit = async () => (await call<{ viewportLimit: Limit | null }>(page, 'analysisInfo')).viewportLimit;
  await expect.poll(limit, { timeout: 60_000 }).not.toBeNull();
  const l = (await limit())!;
  expect(l).toMatchObject({ model: MRN, screenModel: SCREEN });
  expect(l.estimateS).toBeGreaterThan(l.budgetS);
  const notice = page.getByTestId('viewport-limit');
  await expect(notice).toBeVisible();
  await expect(notice).toContainText('whole slide');
  await expect(page.getByTestId('viewport-limit-whole-slide')).toBeEnabled();
  // no MRN patch was run for this view
  const jobs = (await call<{ jobs: Record<string, Job> }>(page, 'analysisInfo')).jobs;
  expect(jobs[MRN]?.done ?? 0).toBe(0);
});

test('a model without a screen (the U-Net): the whole view or the notice, never a partial staircase', async ({
  page,
}) => {
  test.setTimeout(240_000);
  const UNET = 'unet';
  test.skip(!existsSync(path.join(ROOT, 'models', UNET, 'card.json')), `needs ${UNET} in models/`);
  // ?tile=64: the trained 64 px patches, the size the old 600-patch viewport cap counted
  await openDemo(page, '?tile=64');
  type Limit = { model: string; screenModel: string | null; screenPatches: number; estimateS: number };
  const info = () => call<{ viewportLimit: Limit | null; jobs: Record<string, Job> }>(page, 'analysisInfo');
  // far out: the whole demo slide's tissue in one view, thousands of U-Net patches
  await page.evaluate(() => window.mrnViewer!.setViewport({ zoom: 0.05 }, { immediately: true }));
  await call(page, 'heatmap', { visible: true, model: UNET, backend: 'wasm' });
  await expect.poll(async () => (await info()).viewportLimit, { timeout: 120_000 }).not.toBeNull();
  const l = (await info()).viewportLimit!;
  console.log('U-Net limit', JSON.stringify(l));
  expect(l).toMatchObject({ model: UNET, screenModel: null });
  expect(l.screenPatches).toBeGreaterThan(600); // more than the old cap
  await expect(page.getByTestId('viewport-limit')).toContainText('no coarse screen');
  await expect(page.getByTestId('viewport-limit-whole-slide')).toBeEnabled();
  // no partial result: no U-Net patch ran, the heatmap is empty over the view
  expect((await info()).jobs[UNET]?.done ?? 0).toBe(0);
  const vp0 = await page.evaluate(() => window.mrnViewer!.viewport()!);
  const far = {
    x: vp0.x - 240 / vp0.zoom,
    y: vp0.y - 180 / vp0.zoom,
    width: 480 / vp0.zoom,
    height: 360 / vp0.zoom,
  };
  expect((await grid(page, UNET, far, 12)).every((v) => v === null)).toBe(true);

  // zoomed in to a view that fits: the run covers the whole view (the same cells as an explicit
  // analyze() of the view's rect, which never had a cap), and the notice is gone (zoom 1: about 40
  // patches, a few seconds even at the 9 patches/s the U-Net's load-time timing gave on wasm on this
  // 2-core machine at a load average of 20)
  await page.evaluate((c) => window.mrnViewer!.setViewport({ ...c, zoom: 1 }, { immediately: true }), CENTRE);
  const done = async () => {
    const j = (await info()).jobs[UNET];
    return j && !j.running && j.mode === 'viewport' && j.done === j.total && j.total > 0 ? j : null;
  };
  await expect.poll(done, { timeout: 200_000, intervals: [500] }).not.toBeNull();
  expect((await info()).viewportLimit).toBeNull();
  await expect(page.getByTestId('viewport-limit')).toHaveCount(0);
  const vp = await page.evaluate(() => window.mrnViewer!.viewport()!);
  const view = {
    x: vp.x - 240 / vp.zoom,
    y: vp.y - 180 / vp.zoom,
    width: 480 / vp.zoom,
    height: 360 / vp.zoom,
  };
  const live = await grid(page, UNET, view);
  await call(page, 'clearHeatmap', UNET);
  await call(page, 'heatmap', { visible: false });
  await call(page, 'analyze', { model: UNET, region: view, backend: 'wasm' });
  const explicit = await grid(page, UNET, view);
  const covered = live.filter((v) => v !== null).length;
  console.log(
    'U-Net view',
    JSON.stringify(view),
    'covered',
    covered,
    '/',
    explicit.filter((v) => v !== null).length,
  );
  expect(explicit.filter((v) => v !== null).length).toBeGreaterThan(100);
  expect(live.map((v) => v === null)).toEqual(explicit.map((v) => v === null));
});
