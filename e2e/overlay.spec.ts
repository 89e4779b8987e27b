// The heatmap overlay composites over the slide as the legend promises: at opacity α a pixel shows
// (1 − α)·slide + α·colormap(p), under both OpenSeadragon drawers. The known-pattern model makes
// p the slide's own red channel, so every screen point has its own expected colour.

import { colormapLut } from '../src/heatmap/colormap';
import { call, expect, gotoApp, test, waitSettled } from './fixtures';

const VIEW = { x: 4400, y: 3700, zoom: 1 };
const REGION = { x: 4100, y: 3450, width: 600, height: 500 };
const OPACITY = 0.6;

/** The viewer's pixels once drawing has settled (two screenshots 400 ms apart agree). */
async function viewerPixels(page: import('@playwright/test').Page) {
  const sharp = (await import('sharp')).default;
  let png = await page.locator('#viewer').screenshot();
  for (let i = 0; i < 40; i++) {
    await page.waitForTimeout(400);
    const next = await page.locator('#viewer').screenshot();
    if (next.equals(png)) break;
    png = next;
  }
  const { data, info } = await sharp(png).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  return { data, width: info.width };
}

for (const drawer of ['canvas', 'webgl'] as const) {
  test(`overlay blends at the chosen opacity (${drawer} drawer)`, async ({ page }) => {
    test.setTimeout(210_000);
    await gotoApp(page, `?drawer=${drawer}`);
    await page.evaluate(() => window.mrnViewer!.open('/demo/demo.tiff'));
    expect((await waitSettled(page)).status).toBe('ready');
    await page.evaluate((v) => window.mrnViewer!.setViewport(v), VIEW);
    await call(page, 'analyze', { model: 'test-pattern', region: REGION, backend: 'wasm' });
    await page.evaluate(() => window.mrnViewer!.ready());
    const off = await viewerPixels(page);
    await call(page, 'heatmap', {
      model: 'test-pattern',
      visible: true,
      colormap: 'viridis',
      opacity: OPACITY,
      outline: false,
    });
    // showing the heatmap also starts analysis of the rest of the viewport, and the overlay is
    // redrawn as its patches land; under software WebGL that run can take tens of seconds
    await expect
      .poll(
        () =>
          call<{ layers: { items: number }[] }>(page, 'analysisInfo').then((i) => JSON.stringify(i.layers)),
        { timeout: 90_000, intervals: [250] },
      )
      .toMatch(/"items":1/);
    const on = await viewerPixels(page);
    const box = (await page.locator('#viewer').boundingBox())!;
    // screen points well inside the analysed region, on a grid; zoom 1 = one CSS px per level-0 px
    const points: { sx: number; sy: number; x: number; y: number }[] = [];
    for (let sy = -180; sy <= 180; sy += 9) {
      for (let sx = -250; sx <= 250; sx += 11) {
        points.push({
          sx: Math.round(box.width / 2 + sx),
          sy: Math.round(box.height / 2 + sy),
          x: VIEW.x + sx + 0.5,
          y: VIEW.y + sy + 0.5,
        });
      }
    }
    const probs = await page.evaluate(
      (pts) =>
        pts.map(
          (p) =>
            (window.mrnViewer!.sampleHeatmap as (m: string, x: number, y: number) => number | null)(
              'test-pattern',
              p.x,
              p.y,
            ) ?? -1,
        ),
      points,
    );
    const lut = colormapLut('viridis');
    const errors: number[] = [];
    let changed = 0;
    points.forEach((p, i) => {
      expect(probs[i], 'analysed').toBeGreaterThanOrEqual(0);
      const c = Math.round(probs[i] * 255) * 3;
      const k = (p.sy * off.width + p.sx) * 3;
      let err = 0;
      for (let ch = 0; ch < 3; ch++) {
        const want = (1 - OPACITY) * off.data[k + ch] + OPACITY * lut[c + ch];
        err = Math.max(err, Math.abs(on.data[k + ch] - want));
        if (Math.abs(on.data[k + ch] - off.data[k + ch]) > 20) changed++;
      }
      errors.push(err);
    });
    errors.sort((a, b) => a - b);
    const median = errors[Math.floor(errors.length / 2)];
    console.log(`${drawer}: ${errors.length} points, median max-channel error ${median.toFixed(1)}`);
    expect(changed, 'the overlay shows').toBeGreaterThan(errors.length / 2);
    // neighbouring pixels differ (nuclei edges, 2 slide px per heatmap px), so judge the median
    expect(median).toBeLessThan(12);
  });
}
