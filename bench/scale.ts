// npm run bench -- scale: a real slide of about 100 000 × 100 000 px, made on demand with libvips
// (Debian's libvips-tools; never committed, never in CI): `vips replicate` of the shared SVS to
// about 100k² (46×34 copies), saved as tiffsave's `--tile --pyramid --bigtiff --compression jpeg`
// (a BigTIFF JPEG pyramid of a few GB; it takes minutes). Kept in .cache/bench-scale/ for the next run (`--rebuild` makes
// it again). On the production build in Chromium at 1440×900: the first complete viewport after
// choosing the file and after a `?slide=` deep link, then the JS heap and the caches after a tour
// of 12 views at full resolution. `--keep=0` deletes the slide afterwards.

import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { chromium, type Page } from '@playwright/test';
import config from '../playwright.config';
import { startSlideServer } from '../scripts/serve-slides';
import { buildApp, previewApp } from './built-app';

const ROOT = path.resolve(import.meta.dirname, '..');
const SVS = path.resolve(ROOT, '../shared/slides/cmu-1-small-region.svs');
const DIR = path.join(ROOT, '.cache/bench-scale');
const FILE = 'replicated-100k.tif';
const SIZE = 100_000;
const log = (...a: unknown[]) => console.error('[scale]', ...a);

function makeSlide(rebuild: boolean): { file: string; bytes: number; makeMs: number | null } {
  const file = path.join(DIR, FILE);
  if (existsSync(file) && !rebuild) return { file, bytes: statSync(file).size, makeMs: null };
  if (!existsSync(SVS)) throw new Error(`needs ${SVS}`);
  mkdirSync(DIR, { recursive: true });
  const t0 = performance.now();
  // the SVS is 2220×2967: 46×34 copies make 102 120 × 100 878 px, written straight to the pyramid
  // (no uncompressed intermediate: that would be 30 GB)
  const across = Math.ceil(SIZE / 2220);
  const down = Math.ceil(SIZE / 2967);
  const out = `${file}[tile,tile-width=256,tile-height=256,pyramid,bigtiff,compression=jpeg,Q=80,xres=4000,yres=4000]`;
  log(`vips replicate ${across}×${down} → tiffsave --tile --pyramid --bigtiff --compression jpeg (minutes)`);
  execFileSync('vips', ['replicate', `${SVS}[0]`, out, String(across), String(down)], { stdio: 'inherit' });
  return { file, bytes: statSync(file).size, makeMs: Math.round(performance.now() - t0) };
}

async function measure(page: Page) {
  return page.evaluate(async (size) => {
    const v = window.mrnViewer!;
    await v.ready();
    const first = await v.stats();
    for (let i = 0; i < 12; i++) {
      v.setViewport(
        { x: size * ((i + 0.5) / 12), y: size * (0.2 + 0.05 * i), zoom: 1 },
        { immediately: true },
      );
      await v.ready();
    }
    const st = await v.stats();
    const reader = st.cache.reader as { bytes: number; blockBytes: number; rangeRequests?: number };
    const mem = (performance as unknown as { memory?: { usedJSHeapSize: number } }).memory;
    return {
      size: `${v.state().width}x${v.state().height}`,
      firstViewportMs: Math.round(first.firstViewportMs ?? Number.NaN),
      firstViewportSinceNavigationMs: Math.round(first.firstViewportAt ?? Number.NaN),
      afterTour: {
        tilesLoaded: st.tiles.loaded,
        heapMb: mem ? +(mem.usedJSHeapSize / 2 ** 20).toFixed(1) : null,
        tileCacheMb: +(reader.bytes / 2 ** 20).toFixed(1),
        blockCacheMb: +(reader.blockBytes / 2 ** 20).toFixed(1),
        osdTiles: st.cache.osdTiles,
        rangeRequests: reader.rangeRequests ?? null,
      },
    };
  }, SIZE);
}

export async function run(args: string[]) {
  const slide = makeSlide(args.includes('--rebuild'));
  log(`${slide.file}: ${(slide.bytes / 2 ** 30).toFixed(2)} GB`);
  await buildApp();
  const { server: prod, url: app } = await previewApp();
  const server = await startSlideServer(DIR);
  const browser = await chromium.launch(config.use?.launchOptions);
  try {
    const context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
    const page = await context.newPage();
    page.on('pageerror', (e) => log('page error:', e.message));
    await page.goto(app);
    await page.waitForFunction(() => !!window.mrnViewer);
    await page.getByTestId('file-input').setInputFiles(slide.file);
    await page.waitForFunction(() => window.mrnViewer!.state().status !== 'idle');
    const fromDisk = await measure(page);
    log('from disk', JSON.stringify(fromDisk));
    const linked = await context.newPage();
    await linked.goto(`${app}?slide=${encodeURIComponent(`${server.url}/${FILE}`)}`, { waitUntil: 'commit' });
    await linked.waitForFunction(() => !!window.mrnViewer, undefined, { timeout: 60_000 });
    const byUrl = await measure(linked);
    log('by URL', JSON.stringify(byUrl));
    return {
      slide: {
        file: path.relative(ROOT, slide.file),
        gb: +(slide.bytes / 2 ** 30).toFixed(2),
        makeMs: slide.makeMs,
      },
      fromDisk,
      byUrl,
    };
  } finally {
    await browser.close();
    await server.close();
    await prod.close();
    if (args.includes('--keep=0')) rmSync(DIR, { recursive: true, force: true });
  }
}
