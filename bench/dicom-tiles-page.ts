// Browser half of the DICOM part of `npm run bench -- tiles`: the app's tile path (slide worker,
// bitmaps out) on a DICOM slide from its files or from a DICOMweb series, same timing as
// tiles-page.ts.

import { openSlideInWorker } from '../src/slide/slide-client';
import { type PathTiming, tileGrid, timePath } from './tiles-page';

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
  const level = slide.metadata.levels[0];
  const grid = tileGrid(
    Math.ceil(level.width / level.tileWidth),
    Math.ceil(level.height / level.tileHeight),
    count,
  );
  const t = await timePath(
    grid,
    async (x, y) => {
      const tile = await slide.getTile({ level: 0, x, y });
      if ('close' in tile) tile.close();
    },
    concurrency,
  );
  slide.close();
  return { source: Array.isArray(input) ? `${input.length} files` : 'DICOMweb', ...t };
}
