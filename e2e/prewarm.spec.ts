// The prewarm (src/state/analysis/prewarm.ts) in the browser, on the demo slide with the shipped
// U-Net and its screen on wasm: while the slide is looked at, both workers are started and warmed
// (backendInfo says so, and no worker load starts after H), the coarse map H then draws equals the
// one drawn with `?prewarm=0`; and a run started while the prewarm is loading takes over what it
// needs and works (the abort path). A small view: software backends are slow.

import { existsSync } from 'node:fs';
import path from 'node:path';
import type { Page } from '@playwright/test';
import { call, expect, gotoApp, ROOT, test, waitSettled } from './fixtures';

const DEMO = '/demo/demo.tiff';
const UNET = 'unet';
const SCREEN = 'unet-context';
const HAVE = [UNET, SCREEN].every((m) => existsSync(path.join(ROOT, 'models', m, 'card.json')));
/** tumour 1 of the demo slide (e2e/cascade.spec.ts), at 10x */
const VIEW = { x: 4400, y: 3700, zoom: 0.5 };

interface Prewarm {
  enabled: boolean;
  state: string;
  models: string[];
  ready: string[];
  ms: number | null;
}
interface Runtime {
  status: string;
  backend: string | null;
  prewarmed?: boolean;
  decision: { chosen: string } | null;
}

test.skip(!HAVE, `needs the trained ${UNET} and ${SCREEN} in models/`);
test.use({ viewport: { width: 480, height: 360 } });

/** Opens the app with `query`, the U-Net picked on wasm, the demo at the 10x view. */
async function openDemo(page: Page, query: string): Promise<void> {
  await gotoApp(page, query);
  await call(page, 'heatmap', { model: UNET, backend: 'wasm', visible: false });
  await page.evaluate((url) => window.mrnViewer!.open(url), DEMO);
  expect((await waitSettled(page)).status).toBe('ready');
  await page.evaluate((v) => window.mrnViewer!.setViewport(v, { immediately: true }), VIEW);
}

const prewarmOf = async (page: Page) => (await call<{ prewarm: Prewarm }>(page, 'analysisInfo')).prewarm;

async function prewarmSettled(page: Page, timeout = 120_000): Promise<Prewarm> {
  await expect
    .poll(async () => (await prewarmOf(page)).state, { timeout, intervals: [200] })
    .toMatch(/^(done|error|yielded|aborted|off)$/);
  return prewarmOf(page);
}

/**
 * Presses H and returns the U-Net heatmap sampled on a grid over the view the moment its coarse
 * map is in (before the U-Net's own pass is done), with the `mrn:` marks made after the key press.
 */
async function coarseAfterH(page: Page): Promise<{ values: (number | null)[]; marks: string[] }> {
  const vp = await page.evaluate(() => window.mrnViewer!.viewport()!);
  const rect = {
    x: vp.x - 240 / vp.zoom,
    y: vp.y - 180 / vp.zoom,
    width: 480 / vp.zoom,
    height: 360 / vp.zoom,
  };
  await page.evaluate(() => performance.clearMarks());
  const watch = page.evaluate(
    ([m, r, k]) =>
      new Promise<{ values: (number | null)[]; marks: string[] } | null>((resolve) => {
        const api = window.mrnViewer as unknown as {
          analysisInfo(): { jobs: Record<string, { mode: string; coarse?: unknown }> };
          sampleHeatmap(m: string, x: number, y: number): number | null;
        };
        setTimeout(() => resolve(null), 150_000);
        const timer = setInterval(() => {
          const job = api.analysisInfo().jobs[m];
          if (job?.mode !== 'viewport' || !job.coarse) return;
          clearInterval(timer);
          const values: (number | null)[] = [];
          for (let j = 0; j < k; j++)
            for (let i = 0; i < k; i++)
              values.push(
                api.sampleHeatmap(m, r.x + ((i + 0.5) * r.width) / k, r.y + ((j + 0.5) * r.height) / k),
              );
          const marks = performance
            .getEntriesByType('mark')
            .map((e) => e.name)
            .filter((n) => n.startsWith('mrn:'));
          resolve({ values, marks });
        }, 10);
      }),
    [UNET, rect, 20] as const,
  );
  await page.keyboard.press('h');
  const seen = await watch;
  expect(seen, 'no coarse map within 150 s of H').not.toBeNull();
  // stop the U-Net's own pass: only the coarse map is compared
  await call(page, 'heatmap', { visible: false });
  return seen!;
}

test('prewarm: backend and both models ready before H; the coarse map equals the one with ?prewarm=0', async ({
  page,
}) => {
  test.setTimeout(360_000);
  await openDemo(page, '?cascade=1');
  const p = await prewarmSettled(page);
  expect(p).toMatchObject({ enabled: true, state: 'done', models: [SCREEN, UNET], ready: [SCREEN, UNET] });
  expect(p.ms).toBeGreaterThan(0);
  for (const m of [SCREEN, UNET]) {
    const info = await call<Runtime>(page, 'backendInfo', m);
    expect(info).toMatchObject({ status: 'ready', backend: 'wasm', prewarmed: true });
  }
  const warm = await coarseAfterH(page);
  // nothing loaded after the key press: no worker load started, the run found both ready
  expect(warm.marks.filter((n) => n.startsWith('mrn:load-start:'))).toEqual([]);
  expect(warm.marks).toContain(`mrn:coarse:${UNET}`);
  const analysed = warm.values.filter((v) => v !== null).length;
  expect(analysed).toBeGreaterThan(100);

  // the same press with the prewarm off: the workers start at the key press
  await call(page, 'clearHeatmap', UNET);
  await call(page, 'clearHeatmap', SCREEN);
  await openDemo(page, '?cascade=1&prewarm=0');
  await page.waitForTimeout(1500); // as long as the prewarm's idle wait: it would have started by now
  expect(await prewarmOf(page)).toMatchObject({ enabled: false });
  expect(await call<Runtime | null>(page, 'backendInfo', UNET)).toBeNull();
  const cold = await coarseAfterH(page);
  expect(cold.marks).toContain(`mrn:load-start:${SCREEN}`);
  expect(cold.values.length).toBe(warm.values.length);
  let max = 0;
  for (let k = 0; k < warm.values.length; k++) {
    expect(cold.values[k] === null).toBe(warm.values[k] === null);
    if (cold.values[k] !== null) max = Math.max(max, Math.abs(cold.values[k]! - warm.values[k]!));
  }
  expect(max).toBeLessThanOrEqual(1 / 255); // the store's 8-bit rounding at most
});

test('a run started while the prewarm is loading takes over what it needs and works', async ({ page }) => {
  test.setTimeout(240_000);
  await openDemo(page, '?cascade=1');
  // the prewarm loads the screen first; start an explicit run of the screen model meanwhile
  await expect
    .poll(async () => (await prewarmOf(page)).state, { timeout: 60_000, intervals: [50] })
    .toBe('running');
  const region = { x: VIEW.x - 200, y: VIEW.y - 200, width: 400, height: 400 };
  const r = await call<{ backend: string; patches: number }>(page, 'analyze', { model: SCREEN, region });
  expect(r.backend).toBe('wasm');
  expect(r.patches).toBeGreaterThan(0);
  const p = await prewarmOf(page);
  // it gave way (or had just finished the screen and the U-Net before the run asked)
  expect(['yielded', 'done']).toContain(p.state);
  const screen = await call<Runtime>(page, 'backendInfo', SCREEN);
  expect(screen).toMatchObject({ status: 'ready', backend: 'wasm' });
  // the U-Net's load, if the prewarm had started it, was stopped or finished: never left loading
  const unet = await call<Runtime | null>(page, 'backendInfo', UNET);
  expect(unet === null || unet.status === 'ready').toBe(true);
  // and the U-Net runs afterwards on a small region as usual
  const u = await call<{ backend: string; patches: number }>(page, 'analyze', {
    model: UNET,
    region,
    cascade: false,
  });
  expect(u.backend).toBe('wasm');
  expect(u.patches).toBeGreaterThan(0);
});
