// npm run bench -- tiles: the slide-reading benchmark, in Chromium, on the demo slide and the
// ../shared slides. Prints, in one run:
//  - ms per tile and tiles/s for the app's tile path and for geotiff readRasters (without and with
//    geotiff's worker pool) on the same level-0 tiles, and their ratios;
//  - for 4096² LZW and Deflate slides (made here): the app's tile path with geotiff's worker pool
//    allowed and without it, and their ratio (the pool serves LZW only, so Deflate's two runs take
//    the same path: a control for noise);
//  - the time from choosing a local file to the first complete viewport (1440×900), median of 3,
//    in the production build (what users get; the dev server's unbundled modules add ~1 s), with
//    OSD's canvas drawer (the default) and its WebGL drawer side by side;
//  - NDPI (the ../shared sample, else the fixture): the app's readRegion against OpenSlide's region
//    reads of the same areas, and how long bad NDPI files take to fail (bench/tiles-ndpi.ts).
//  - DICOM (bench/dicom-tiles.ts): the OrthancWSIDicomizer files of the CMU SVS from files and
//    over DICOMweb from a real Orthanc, beside the SVS: tiles/s and the first complete viewport.

import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { chromium } from '@playwright/test';
import sharp from 'sharp';
import { createServer } from 'vite';
import config from '../playwright.config';
import { codedPattern } from '../scripts/fixtures/pattern';
import { startSlideServer } from '../scripts/serve-slides';
import { missingShared, sharedPath, sharedSkipReason } from '../src/util/node/shared-data';
import { buildApp, previewApp } from './built-app';
import { BENCH_ORTHANC_PORT, benchDicom } from './dicom-tiles';
import { benchNdpi } from './tiles-ndpi';
import type { TileBenchResult } from './tiles-page';

const ROOT = path.resolve(import.meta.dirname, '..');
const SHARED_SLIDES = sharedPath('slides');
const FIRST_VIEW_RUNS = 3;
/** OSD drawers timed for the first viewport; the app's default first */
const DRAWERS = ['canvas', 'webgl'] as const;

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

export async function run(args: string[]) {
  const count = Number(args.find((a) => a.startsWith('--tiles='))?.split('=')[1] ?? 144);
  // --tiles=0 skips the tile-path comparison; --slides=demo,cmu limits the slides (name prefixes)
  const only = args
    .find((a) => a.startsWith('--slides='))
    ?.split('=')[1]
    ?.split(',');
  const slides: { name: string; dir: string; file: string }[] = [
    { name: 'demo', dir: path.join(ROOT, 'public/demo'), file: 'demo.tiff' },
  ];
  for (const key of ['cmuSvs', 'camelyonLevel5'] as const) {
    const file = path.basename(sharedPath(key));
    if (missingShared(key).length === 0) slides.push({ name: file, dir: SHARED_SLIDES, file });
    else console.error(`tiles bench: skipped ${file}: ${sharedSkipReason(key)}`);
  }
  if (!existsSync(path.join(ROOT, 'public/demo/demo.tiff'))) throw new Error('run `npm run demo` first');
  if (only) slides.splice(0, slides.length, ...slides.filter((s) => only.some((o) => s.name.startsWith(o))));

  // DICOMweb: the bench's Orthanc, proxied onto the app's origin (vite.config.ts)
  process.env.MRN_DICOMWEB_PROXY = `http://127.0.0.1:${BENCH_ORTHANC_PORT}`;
  const vite = await createServer({ root: ROOT, server: { port: 0, host: '127.0.0.1' }, logLevel: 'error' });
  await vite.listen();
  const appUrl = vite.resolvedUrls!.local[0];
  await buildApp();
  const { server: prod, url: prodUrl } = await previewApp();
  const servers = new Map<string, Awaited<ReturnType<typeof startSlideServer>>>();
  for (const s of slides) if (!servers.has(s.dir)) servers.set(s.dir, await startSlideServer(s.dir));
  const browser = await chromium.launch(config.use?.launchOptions);
  try {
    const context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
    const page = await context.newPage();
    page.on('pageerror', (e) => console.error('page error:', e.message));
    // first load lets Vite pre-bundle dependencies (it may reload the page once)
    await page.goto(appUrl);
    await page.waitForTimeout(3000);
    await page.goto(appUrl);
    await page.waitForFunction(() => !!window.mrnViewer);

    const tilePaths: TileBenchResult[] = [];
    for (const s of count > 0 ? slides : []) {
      const url = `${servers.get(s.dir)!.url}/${s.file}`;
      tilePaths.push(
        await page.evaluate(
          async ([u, n, moduleUrl]) => {
            // served by Vite from bench/tiles-page.ts
            const mod: typeof import('./tiles-page') = await import(/* @vite-ignore */ moduleUrl);
            return mod.benchTiles(u, n);
          },
          [url, count, '/bench/tiles-page.ts'] as const,
        ),
      );
    }

    // lossless slides: tiles decoded in geotiff's pool or in the slide worker
    const goodDir = await losslessSlides();
    const goodServer = await startSlideServer(goodDir);
    const lossless = [];
    try {
      for (const file of count > 0 ? LOSSLESS : []) {
        const runs: TileBenchResult[] = [];
        for (const decoderPool of [true, false]) {
          runs.push(
            await page.evaluate(
              async ([u, moduleUrl, pool]) => {
                const mod: typeof import('./tiles-page') = await import(/* @vite-ignore */ moduleUrl);
                return mod.benchTiles(u, 1000, 4, { decoderPool: pool });
              },
              [`${goodServer.url}/${file}`, '/bench/tiles-page.ts', decoderPool] as const,
            ),
          );
        }
        const [pooled, alone] = runs; // with the pool, then the slide worker alone
        lossless.push({
          slide: file,
          tiles: pooled.app.tiles,
          pool: round(pooled.app),
          slideWorker: round(alone.app),
          geotiff: round(pooled.geotiff),
          poolSpeedupSerial: +(alone.app.msPerTileSerial / pooled.app.msPerTileSerial).toFixed(2),
          poolSpeedupConcurrent: +(pooled.app.tilesPerSecond / alone.app.tilesPerSecond).toFixed(2),
          poolVsGeotiffConcurrent: +pooled.speedupConcurrent.toFixed(2),
        });
      }
    } finally {
      await goodServer.close();
    }

    const firstViewport = [];
    // --ndpi-only: just the NDPI part (below), for a quick run
    if (args.includes('--ndpi-only')) slides.length = 0;
    for (const s of slides) {
      const byDrawer: Record<string, { openMs: number; firstCompleteViewportMs: number; runs: unknown[] }> =
        {};
      for (const drawer of DRAWERS) {
        const runs: { openMs: number; firstViewportMs: number }[] = [];
        for (let i = 0; i < FIRST_VIEW_RUNS; i++) {
          const p = await context.newPage();
          await p.goto(`${prodUrl}?drawer=${drawer}`);
          await p.waitForFunction(() => !!window.mrnViewer);
          await p.getByTestId('file-input').setInputFiles(path.join(s.dir, s.file));
          await p.waitForFunction(() => window.mrnViewer!.state().status !== 'idle');
          await p.evaluate(() => window.mrnViewer!.ready());
          const st = await p.evaluate(() => window.mrnViewer!.stats());
          runs.push({ openMs: st.openMs ?? Number.NaN, firstViewportMs: st.firstViewportMs ?? Number.NaN });
          await p.close();
        }
        byDrawer[drawer] = {
          openMs: Math.round(median(runs.map((r) => r.openMs))),
          firstCompleteViewportMs: Math.round(median(runs.map((r) => r.firstViewportMs))),
          runs,
        };
      }
      firstViewport.push({
        slide: s.name,
        viewport: '1440x900',
        ...byDrawer,
        webglOverCanvas: +(
          byDrawer.webgl.firstCompleteViewportMs / byDrawer.canvas.firstCompleteViewportMs
        ).toFixed(2),
      });
    }
    const svsPath = sharedPath('cmuSvs');
    const dicom =
      existsSync(svsPath) && !args.includes('--no-dicom')
        ? await benchDicom(context, page, prodUrl, svsPath, count > 0 ? count : 48, FIRST_VIEW_RUNS)
        : { skipped: 'no ../shared SVS (or --no-dicom)' };
    return {
      machine: `${process.platform} ${process.arch}, Chromium (software rendering)`,
      note: 'app = slide worker: WebCodecs decode + exact wasm colour kernel, ImageBitmap out; geotiff = readRasters on the same tiles',
      tilePaths: tilePaths.map((t) => ({
        ...t,
        app: round(t.app),
        geotiff: round(t.geotiff),
        geotiffPool: round(t.geotiffPool),
        speedupSerial: +t.speedupSerial.toFixed(2),
        speedupConcurrent: +t.speedupConcurrent.toFixed(2),
        speedupVsPool: +t.speedupVsPool.toFixed(2),
      })),
      lossless,
      firstViewport,
      // NDPI against OpenSlide's region reads of the same areas; bad NDPI files' time to fail
      ndpi: await benchNdpi(page),
      dicom,
    };
  } finally {
    await browser.close();
    for (const s of servers.values()) await s.close();
    await vite.close();
    await prod.close();
  }
}

const LOSSLESS = ['lzw-4k.tif', 'deflate-4k.tif'];

/** 4096² tiled LZW and Deflate pyramids of the coded pattern (256 level-0 tiles each), made once. */
async function losslessSlides(): Promise<string> {
  const dir = path.join(ROOT, '.cache/bench-slides');
  if (LOSSLESS.every((f) => existsSync(path.join(dir, f)))) return dir;
  mkdirSync(dir, { recursive: true });
  const img = codedPattern(4096, 4096);
  for (const [file, compression] of [
    ['lzw-4k.tif', 'lzw'],
    ['deflate-4k.tif', 'deflate'],
  ] as const) {
    await sharp(img.data, { raw: { width: img.width, height: img.height, channels: 3 } })
      .tiff({ compression, tile: true, tileWidth: 256, tileHeight: 256, pyramid: true })
      .toFile(path.join(dir, file));
  }
  return dir;
}

function round<T extends object>(o: T): T {
  return Object.fromEntries(
    Object.entries(o).map(([k, v]) => [k, typeof v === 'number' ? +v.toFixed(2) : v]),
  ) as T;
}
