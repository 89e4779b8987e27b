// Browser half of the DICOM part of `npm run bench -- tiles`: the app's tile path (slide worker,
// bitmaps out) on a DICOM slide from its files or from a DICOMweb series, same timing as
// tiles-page.ts.

import { openSlideInWorker } from '../src/slide/slide-client';
import { type PathTiming, timeSlideTiles } from './tiles-page';

export async function benchDicomTiles(
  input: string[] | string,
  count = 144,
  concurrency = 4,
): Promise<{ source: string } & PathTiming> {
  // files: fetched into Blobs first (as if chosen from disk); a string: the DICOMweb series URL
  const opened = Array.isArray(input)
    ? await Promise.all(
        input.map(async (u) => new File([await (await fetch(u)).blob()], u.split('/').pop()!)),
      )
    : input;
  const slide = await openSlideInWorker(opened, new AbortController().signal, { tileFormat: 'bitmap' });
  const t = await timeSlideTiles(slide, count, concurrency);
  slide.close();
  return { source: Array.isArray(input) ? `${input.length} files` : 'DICOMweb', ...t };
}

/**
 * The bad DICOM corpus in the browser: each file opened in the slide worker and a tile read,
 * timed until the error it ends with (or none, for a sparse level's missing frame: background).
 */
export async function benchBadDicom(urls: string[]): Promise<{ file: string; ms: number; code: string }[]> {
  const out = [];
  for (const u of urls) {
    const file = new File([await (await fetch(u)).blob()], u.split('/').pop()!);
    const t0 = performance.now();
    let code = 'ok';
    try {
      const slide = await openSlideInWorker([file], new AbortController().signal, { tileFormat: 'rgba' });
      try {
        await slide.getTile({ level: 0, x: 0, y: 0 });
        await slide.readRegion({ x: 0, y: 0, width: 64, height: 64, downsample: 1 });
      } finally {
        slide.close();
      }
    } catch (e) {
      code = (e as { code?: string }).code ?? `untyped: ${(e as Error).message}`;
    }
    out.push({ file: file.name, ms: +(performance.now() - t0).toFixed(1), code });
  }
  return out;
}
