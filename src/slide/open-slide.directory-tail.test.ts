// A remote TIFF's directories are a chain (each IFD names the next), so an open walks them one
// request at a time. The tail of the file, where writers leave the last directories, comes in one
// request beside the first (DEFAULT_LIMITS.directoryTailBytes): the real SVS over HTTP.

import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openSlide } from './open-slide';
import { type RangeServer, startRangeServer } from './range-server.fixture';
import { haveShared, SVS, sharpJpeg } from './test-helpers';

describe.skipIf(!haveShared('the directory tail read'))('the directory tail of a remote SVS', () => {
  let file: Uint8Array;
  let server: RangeServer;
  let base = '';
  /** [start, end] of each range request, in order */
  let ranges: [number, number][] = [];

  beforeAll(async () => {
    file = new Uint8Array(readFileSync(SVS));
    server = await startRangeServer(
      () => file,
      (r) => {
        if (r) ranges.push(r);
      },
    );
    base = server.base;
  });
  afterAll(() => server.close());

  async function open(directoryTailBytes?: number) {
    ranges = [];
    const limits = directoryTailBytes === undefined ? undefined : { directoryTailBytes };
    const s = await openSlide(`${base}/cmu-1-small-region.svs`, { jpegDecoder: sharpJpeg, limits });
    const opened = [...ranges];
    const tile = await s.getTile({ level: 0, x: 3, y: 4 });
    const out = { metadata: s.metadata, opened, pixels: Array.from(tile.data.subarray(0, 4096)) };
    s.close();
    return out;
  }

  it('opens in fewer requests, with the same slide and pixels', async () => {
    const withTail = await open();
    const without = await open(0);
    // the probe, then IFD 0 (after the level-0 tiles) and each of thumbnail, label and macro
    expect(without.opened).toHaveLength(5);
    // the probe, the last 512 kB (thumbnail, label and macro IFDs) beside IFD 0
    expect(withTail.opened).toHaveLength(3);
    const tail = withTail.opened.find(([, end]) => end === file.length - 1);
    expect(tail?.[0]).toBe(file.length - 512 * 1024 - ((file.length - 512 * 1024) % (64 * 1024)));
    expect(withTail.metadata).toEqual(without.metadata);
    expect(withTail.pixels).toEqual(without.pixels);
  });
});
