// The coarse-to-fine cascade in the browser (src/analysis/cascade.ts), on the demo slide with the
// shipped models on wasm: analyze() with and without it over one small region (same patches, same
// analysed area, the same tumour map; MRN on fewer patches), the live viewport heatmap covering the
// whole view coarse first then refined, and the message with the whole-slide run when zoomed out
// too far for even the coarse screen to be quick; the 1 µm/px U-Net previewed by the screen (coarse
// first, then the U-Net everywhere); a GlaS model with no screen (whole view or the notice).
// Regions are small: software backends are slow.

import { existsSync } from 'node:fs';
import path from 'node:path';
import type { Page } from '@playwright/test';
import type { CascadeInfo, PreviewInfo } from '../src/state/analysis/cascade-run';
import { call, expect, gotoApp, ROOT, test, waitSettled } from './fixtures';

const DEMO = '/demo/demo.tiff';
const MRN = 'mrn-bilinear';
const SCREEN = 'unet-context';
const UNET = 'unet';
const HAVE = [MRN, SCREEN, UNET].every((m) => existsSync(path.join(ROOT, 'models', m, 'card.json')));
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
  preview: PreviewInfo | null;
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

test.skip(!HAVE, `needs the trained ${MRN}, ${UNET} and ${SCREEN} in models/`);
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

test('two runs at once (the compare viewers) compute their shared screen once, with the same verdicts', async ({
  page,
}) => {
  test.setTimeout(300_000);
  await openDemo(page, '');
  await call(page, 'models');
  const region = { x: CENTRE.x - 240, y: CENTRE.y - 180, width: 480, height: 360 };
  const opts = { region, backend: 'wasm', cascade: true, tileSize: 64 };
  const clear = async () => {
    for (const m of [MRN, UNET, SCREEN]) await call(page, 'clearHeatmap', m);
  };
  // one after the other: MRN's screen plan, then the cells the U-Net's adds to it
  const mrnAlone = await call<Result>(page, 'analyze', { ...opts, model: MRN });
  const unetAfter = await call<Result>(page, 'analyze', { ...opts, model: UNET });
  await clear();
  // at once, as the two viewers of compare mode run
  const [mrn, unet] = await Promise.all([
    call<Result>(page, 'analyze', { ...opts, model: MRN }),
    call<Result>(page, 'analyze', { ...opts, model: UNET }),
  ]);
  const alone = [mrnAlone.cascade!.screenPatches, unetAfter.preview!.screenPatches];
  const together = [mrn.cascade!.screenPatches, unet.preview!.screenPatches];
  console.log('screen patches, one after the other', alone, 'at once', together);
  expect(alone[0]).toBeGreaterThan(0);
  // every screen cell computed once: as many in all as one after the other (each run computed its
  // whole screen plan before: MRN's twice over)
  expect(together[0] + together[1]).toBe(alone[0] + alone[1]);
  // MRN decided on the same screen values
  expect(mrn.cascade!.refinedPatches).toBe(mrnAlone.cascade!.refinedPatches);
  expect(mrn.cascade!.skippedPatches).toBe(mrnAlone.cascade!.skippedPatches);
  expect(mrn.patches).toBe(mrnAlone.patches);
  expect(unet.patches).toBe(unetAfter.patches);
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

test('a model without a screen (GlaS: no coarse model trained on its data): the whole view or the notice, never a partial staircase', async ({
  page,
}) => {
  test.setTimeout(240_000);
  const GLAS = 'glas-unet';
  test.skip(!existsSync(path.join(ROOT, 'models', GLAS, 'card.json')), `needs ${GLAS} in models/`);
  await openDemo(page, '');
  type Limit = { model: string; screenModel: string | null; screenPatches: number; estimateS: number };
  const info = () => call<{ viewportLimit: Limit | null; jobs: Record<string, Job> }>(page, 'analysisInfo');
  // far out: the whole demo slide in one view (GlaS analyses every patch: tissue detection off)
  await page.evaluate(() => window.mrnViewer!.setViewport({ zoom: 0.05 }, { immediately: true }));
  await call(page, 'heatmap', { visible: true, model: GLAS, backend: 'wasm' });
  await expect.poll(async () => (await info()).viewportLimit, { timeout: 120_000 }).not.toBeNull();
  const l = (await info()).viewportLimit!;
  console.log('GlaS U-Net limit', JSON.stringify(l));
  expect(l).toMatchObject({ model: GLAS, screenModel: null });
  expect(l.screenPatches).toBeGreaterThan(600); // more than the old cap
  await expect(page.getByTestId('viewport-limit')).toContainText('no coarse model is trained on its data');
  await expect(page.getByTestId('viewport-limit-whole-slide')).toBeEnabled();
  // no partial result: no patch ran, the heatmap is empty over the view
  expect((await info()).jobs[GLAS]?.done ?? 0).toBe(0);
  const vp0 = await page.evaluate(() => window.mrnViewer!.viewport()!);
  const far = {
    x: vp0.x - 240 / vp0.zoom,
    y: vp0.y - 180 / vp0.zoom,
    width: 480 / vp0.zoom,
    height: 360 / vp0.zoom,
  };
  expect((await grid(page, GLAS, far, 12)).every((v) => v === null)).toBe(true);

  // zoomed in to a view that fits: the run covers the whole view in one pass, no coarse phase (the
  // same cells as an explicit analyze() of the view's rect), and the notice is gone
  await page.evaluate((c) => window.mrnViewer!.setViewport({ ...c, zoom: 1 }, { immediately: true }), CENTRE);
  const done = async () => {
    const j = (await info()).jobs[GLAS];
    return j && !j.running && j.mode === 'viewport' && j.done === j.total && j.total > 0 ? j : null;
  };
  await expect.poll(done, { timeout: 200_000, intervals: [500] }).not.toBeNull();
  const job = (await done())!;
  expect(job.phase).toBeUndefined();
  expect(job.coarse).toBeUndefined();
  expect((await info()).viewportLimit).toBeNull();
  await expect(page.getByTestId('viewport-limit')).toHaveCount(0);
  const view = await viewRect(page);
  const live = await grid(page, GLAS, view);
  await call(page, 'clearHeatmap', GLAS);
  await call(page, 'heatmap', { visible: false });
  const explicit = await call<Result>(page, 'analyze', { model: GLAS, region: view, backend: 'wasm' });
  expect(explicit.cascade).toBeNull();
  expect(explicit.preview).toBeNull();
  const explicitGrid = await grid(page, GLAS, view);
  const covered = live.filter((v) => v !== null).length;
  console.log(
    'GlaS view',
    JSON.stringify(view),
    'covered',
    covered,
    '/',
    explicitGrid.filter((v) => v !== null).length,
  );
  expect(explicitGrid.filter((v) => v !== null).length).toBeGreaterThan(100);
  expect(live.map((v) => v === null)).toEqual(explicitGrid.map((v) => v === null));
  // the panel says why
  await page.keyboard.press('m');
  await expect(page.getByTestId('cascade-what')).toContainText('no coarse model is trained on its data');
});

/** The level-0 rect the 480 × 360 viewer shows now. */
async function viewRect(page: Page): Promise<typeof REGION> {
  const vp = await page.evaluate(() => window.mrnViewer!.viewport()!);
  return { x: vp.x - 240 / vp.zoom, y: vp.y - 180 / vp.zoom, width: 480 / vp.zoom, height: 360 / vp.zoom };
}

test('the U-Net at 10x: the screen coarse map first over the whole view, then U-Net cells equal to an explicit analyze', async ({
  page,
}) => {
  test.setTimeout(300_000);
  // the default tiles (256 px for the U-Net); the demo is 0.5 µm/px, so zoom 0.5 is 10x
  await openDemo(page, '?cascade=1');
  await page.evaluate(
    (c) => window.mrnViewer!.setViewport({ ...c, zoom: 0.5 }, { immediately: true }),
    CENTRE,
  );
  const view = await viewRect(page);
  // watches the job in the page (every 10 ms): the first moment its coarse map is in, and the U-Net
  // heatmap over the view then; and the job once it is done
  type Snap = { atMs: number; job: Job; values: (number | null)[] } | null;
  const watch = page.evaluate(
    ([m, rect, k]) =>
      new Promise<{ coarse: Snap; done: Snap }>((resolve) => {
        const api = window.mrnViewer as unknown as {
          analysisInfo(): { jobs: Record<string, Job> };
          sampleHeatmap(m: string, x: number, y: number): number | null;
        };
        const sample = () => {
          const out: (number | null)[] = [];
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
        };
        const t0 = performance.now();
        let coarse: Snap = null;
        // gives up (done null) before the test's own timeout, so the failure says what was seen
        setTimeout(() => resolve({ coarse, done: null }), 240_000);
        const timer = setInterval(() => {
          const job = api.analysisInfo().jobs[m];
          if (job?.mode !== 'viewport') return;
          if (!coarse && job.coarse)
            coarse = { atMs: performance.now() - t0, job: { ...job }, values: sample() };
          if (!job.running && job.total > 0 && job.done === job.total) {
            clearInterval(timer);
            resolve({ coarse, done: { atMs: performance.now() - t0, job: { ...job }, values: sample() } });
          }
        }, 10);
      }),
    [UNET, view, 24] as const,
  );
  await call(page, 'heatmap', { visible: true, model: UNET, backend: 'wasm' });
  const { coarse, done } = await watch;
  expect(
    done,
    `the U-Net's viewport run did not finish; coarse: ${JSON.stringify(coarse?.job)}`,
  ).not.toBeNull();
  const screen = await grid(page, SCREEN, view);
  console.log(
    'U-Net 10x view',
    JSON.stringify(view),
    'coarse at',
    Math.round(coarse?.atMs ?? -1),
    'ms',
    JSON.stringify(coarse?.job),
    'done at',
    Math.round(done?.atMs ?? -1),
    'ms',
    JSON.stringify(done!.job),
  );
  // the coarse map came first: every patch of the view covered before the U-Net's own pass was done
  expect(coarse).not.toBeNull();
  expect(coarse!.job.phase).toBe('refine');
  expect(coarse!.job.coarse!.patches).toBe(coarse!.job.total);
  expect(coarse!.job.done).toBeLessThan(coarse!.job.total); // the U-Net had not finished the view
  expect(coarse!.job.coarse!.ms).toBeLessThan(done!.job.elapsedMs);
  const screened = screen.filter((v) => v !== null).length;
  expect(screened).toBeGreaterThan(100);
  // wherever the screen analysed the view, the U-Net heatmap had a (coarse) value already
  expect(coarse!.values.filter((v, k) => v !== null && screen[k] !== null).length).toBe(screened);
  // then the whole view refined: nothing skipped, every patch the U-Net's own
  expect(done!.job.coarse!.patches).toBe(done!.job.total);
  expect(done!.values.filter((v, k) => v !== null && screen[k] !== null).length).toBe(screened);
  expect((await call<{ viewportLimit: unknown }>(page, 'analysisInfo')).viewportLimit).toBeNull();

  // equal to an explicit analyze() of the view without the screen, cell for cell
  await call(page, 'heatmap', { visible: false });
  await call(page, 'clearHeatmap', UNET);
  const plain = await call<Result>(page, 'analyze', {
    model: UNET,
    region: view,
    backend: 'wasm',
    cascade: false,
  });
  expect(plain.cascade).toBeNull();
  expect(plain.preview).toBeNull();
  const plainGrid = await grid(page, UNET, view);
  expect(plainGrid.filter((v) => v !== null).length).toBeGreaterThan(100);
  const diff = (a: (number | null)[], b: (number | null)[]) => {
    let max = 0;
    for (let k = 0; k < a.length; k++) {
      expect(a[k] === null).toBe(b[k] === null);
      if (a[k] !== null && b[k] !== null) max = Math.max(max, Math.abs(a[k]! - b[k]!));
    }
    return max;
  };
  expect(diff(done!.values, plainGrid)).toBeLessThanOrEqual(1 / 255); // the store's 8-bit rounding at most
  // and analyze() with the preview: the same patches and area as without, its own fields beside
  await call(page, 'clearHeatmap', UNET);
  const previewed = await call<Result>(page, 'analyze', {
    model: UNET,
    region: view,
    backend: 'wasm',
    cascade: true,
  });
  console.log(
    'U-Net analyze preview',
    JSON.stringify(previewed.preview),
    'elapsed',
    previewed.elapsedMs,
    'vs',
    plain.elapsedMs,
  );
  expect(previewed.cascade).toBeNull(); // nothing skipped: not a cascade
  expect(previewed.backend).toBe('wasm');
  expect(previewed.patches).toBe(plain.patches);
  expect(previewed.analysedAreaMm2).toBeCloseTo(plain.analysedAreaMm2, 9);
  expect(previewed.preview).toMatchObject({ screenModel: SCREEN, coarsePatches: plain.patches });
  expect(previewed.preview!.coarseMs).toBeLessThan(previewed.elapsedMs);
  expect(diff(await grid(page, UNET, view), plainGrid)).toBeLessThanOrEqual(1 / 255);
  await page.keyboard.press('m');
  await expect(page.getByTestId('cascade-what')).toContainText(`${SCREEN}'s coarse map first`);
});
