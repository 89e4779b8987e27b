// The DICOM part of `npm run bench -- tiles`: the OrthancWSIDicomizer files of the CMU SVS, read
// by the app from files and over DICOMweb from a real Orthanc (proxied onto the app's origin by
// MRN_DICOMWEB_PROXY), beside the SVS they came from: tiles/s and the first complete viewport.

import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { BrowserContext, Page } from '@playwright/test';
import { DICOM_BAD_FIXTURES } from '../scripts/fixtures/dicom-bad-fixtures';
import { DICOM_CACHE, DICOM_FIXTURES, dicomFixture } from '../scripts/fixtures/dicom-fixtures';
import { haveOrthanc, startOrthanc } from '../scripts/fixtures/orthanc';
import { startSlideServer } from '../scripts/serve-slides';

/** where the bench's Orthanc listens (set as MRN_DICOMWEB_PROXY before Vite starts) */
export const BENCH_ORTHANC_PORT = 7172;

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

export async function benchDicom(
  context: BrowserContext,
  page: Page,
  prodUrl: string,
  svsPath: string,
  count: number,
  runs: number,
): Promise<unknown> {
  const files = dicomFixture(DICOM_FIXTURES[0]);
  if (files.length === 0 || !haveOrthanc())
    return { skipped: 'needs ../shared, OrthancWSIDicomizer and Orthanc' };
  const orthanc = await startOrthanc({ httpPort: BENCH_ORTHANC_PORT, dicomPort: BENCH_ORTHANC_PORT + 1 });
  const badDir = path.join(DICOM_CACHE, '..', 'bench-bad-dicom');
  mkdirSync(badDir, { recursive: true });
  for (const f of DICOM_BAD_FIXTURES) writeFileSync(path.join(badDir, f.file), await f.make());
  const badServer = await startSlideServer(badDir);
  const server = await startSlideServer(path.dirname(files[0]));
  const svsServer = await startSlideServer(path.dirname(svsPath));
  try {
    const ids = await orthanc.upload(files);
    const series = `/dicom-web/studies/${ids.study}/series/${ids.series}`;
    const fileUrls = files.map((f) => `${server.url}/${path.basename(f)}`);
    const tiles = async (input: string[] | string) =>
      page.evaluate(
        async ([i, n, moduleUrl]) => {
          const mod: typeof import('./dicom-tiles-page') = await import(/* @vite-ignore */ moduleUrl);
          return mod.benchDicomTiles(i, n);
        },
        [input, count, '/bench/dicom-tiles-page.ts'] as const,
      );
    const svsTiles = await tiles([`${svsServer.url}/${path.basename(svsPath)}`]);
    const fromFiles = await tiles(fileUrls);
    const overDicomWeb = await tiles(`${new URL(page.url()).origin}${series}`);
    const badFiles = await page.evaluate(
      async ([urls, moduleUrl]) => {
        const mod: typeof import('./dicom-tiles-page') = await import(/* @vite-ignore */ moduleUrl);
        return mod.benchBadDicom(urls);
      },
      [DICOM_BAD_FIXTURES.map((f) => `${badServer.url}/${f.file}`), '/bench/dicom-tiles-page.ts'] as const,
    );

    const firstView = async (open: (p: Page) => Promise<void>) => {
      const ms: number[] = [];
      let frameRequests = 0;
      for (let i = 0; i < runs; i++) {
        const p = await context.newPage();
        p.on('request', (r) => {
          if (r.url().includes('/frames/')) frameRequests++;
        });
        await open(p);
        await p.waitForFunction(
          () => window.mrnViewer!.state().status !== 'idle' && window.mrnViewer!.state().status !== 'loading',
        );
        await p.evaluate(() => window.mrnViewer!.ready());
        ms.push((await p.evaluate(() => window.mrnViewer!.stats())).firstViewportMs ?? Number.NaN);
        await p.close();
      }
      return {
        firstCompleteViewportMs: Math.round(median(ms)),
        runs: ms.map(Math.round),
        frameRequestsPerRun: +(frameRequests / runs).toFixed(1),
      };
    };
    const viaInput = (paths: string[]) => async (p: Page) => {
      await p.goto(prodUrl);
      await p.waitForFunction(() => !!window.mrnViewer);
      await p.getByTestId('file-input').setInputFiles(paths);
    };
    return {
      slide: 'cmu-1-small-region (OrthancWSIDicomizer, 6 instances, full pyramid)',
      cache: DICOM_CACHE,
      tilesPerSecond: {
        svs: round(svsTiles),
        dicomFiles: round(fromFiles),
        dicomWeb: round(overDicomWeb),
      },
      // open + a tile + a region until the file's error (the worker's start included), in Chromium
      badFiles: { note: 'ms until refused; should stay under 2000', files: badFiles },
      firstViewport: {
        svs: await firstView(viaInput([svsPath])),
        dicomFiles: await firstView(viaInput(files)),
        dicomWeb: await firstView(async (p) => {
          await p.goto(`${prodUrl}?slide=${series}`);
          await p.waitForFunction(() => !!window.mrnViewer);
        }),
      },
    };
  } finally {
    await server.close();
    await badServer.close();
    await svsServer.close();
    await orthanc.stop();
  }
}

function round<T extends object>(o: T): T {
  return Object.fromEntries(
    Object.entries(o).map(([k, v]) => [k, typeof v === 'number' ? +v.toFixed(2) : v]),
  ) as T;
}
