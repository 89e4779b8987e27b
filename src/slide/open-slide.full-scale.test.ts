// A slide of 100 000 × 100 000 px (scripts/fixtures/scale-fixtures.ts: a BigTIFF whose every tile
// points at one of a few real JPEG tiles), opened from disk and from a URL: the same code paths a
// real 100k² slide takes (204 000 tile offsets, 9 levels, range reads), with the memory reported.

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  makeScaleTiff,
  SCALE_FILE,
  SCALE_MPP,
  SCALE_SIZE,
  SCALE_TILE,
  scaleIsTissue,
} from '../../scripts/fixtures/scale-fixtures';
import { type SlideServer, startSlideServer } from '../../scripts/serve-slides';
import { openSlide } from './open-slide';
import type { SlideReader } from './slide-reader';
import { openPath, pixel, sharpJpeg } from './test-helpers';

const mb = (b: number) => +(b / 2 ** 20).toFixed(1);
/** JS heap plus ArrayBuffers (tile bytes live there, outside heapUsed) */
const used = () => {
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
};

let dir: string;
let file: string;
let server: SlideServer;

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'mrn-scale-'));
  file = path.join(dir, SCALE_FILE);
  writeFileSync(file, await makeScaleTiff());
  server = await startSlideServer(dir);
});
afterAll(async () => {
  await server?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Reads tiles at the slide's four corners and its centre, and a 1024 px overview. */
async function exercise(s: SlideReader) {
  const m = s.metadata;
  expect([m.width, m.height, m.mpp, m.bigTiff]).toEqual([SCALE_SIZE, SCALE_SIZE, SCALE_MPP, true]);
  expect(m.levels.filter((l) => !l.synthetic)).toHaveLength(9);
  const last = Math.ceil(SCALE_SIZE / SCALE_TILE) - 1;
  const mid = Math.floor(last / 2);
  for (const [x, y] of [
    [0, 0],
    [last, 0],
    [0, last],
    [last, last],
    [mid, mid],
  ]) {
    const t = await s.getTile({ level: 0, x, y });
    const tissue = scaleIsTissue((x + 0.5) * SCALE_TILE, (y + 0.5) * SCALE_TILE);
    // glass is flat near-white; tissue tiles are pink/purple somewhere
    const [r, g, b] = pixel(t, 128, 128);
    expect(tissue ? r - g > 20 || r < 235 : Math.min(r, g, b) > 235).toBe(true);
    expect(t.width).toBe(x === last ? SCALE_SIZE - last * SCALE_TILE : SCALE_TILE);
  }
  const d = SCALE_SIZE / 1024;
  const overview = await s.readRegion({ x: 0, y: 0, width: 1024, height: 1024, downsample: d });
  // the centre of the overview is tissue, its corner is glass
  expect(pixel(overview, 512, 512)[1]).toBeLessThan(pixel(overview, 5, 5)[1]);
  return s.stats();
}

describe('a 100k² slide', () => {
  it('opens from disk, reads tiles anywhere and an overview, with bounded caches', async () => {
    const heap0 = used();
    const t0 = performance.now();
    const s = await openPath(file);
    const openMs = performance.now() - t0;
    const st = await exercise(s);
    const heapMb = mb(used() - heap0);
    console.log(
      `100k² from disk: open ${openMs.toFixed(0)} ms, tile cache ${mb(st.bytes)} MB, block cache ${mb(st.blockBytes)} MB, heap and buffers +${heapMb} MB`,
    );
    // the directories hold 2.4 MB of offsets; nothing scales with the slide's 10¹⁰ pixels
    expect(st.blockBytes).toBeLessThanOrEqual(32 << 20);
    expect(st.bytes).toBeLessThanOrEqual(256 << 20);
    expect(heapMb).toBeLessThan(300);
    s.close();
  });

  it('opens from a URL with range reads, the directories read in coalesced requests', async () => {
    const url = `${server.url}/${SCALE_FILE}`;
    const before = server.requests();
    const s = await openSlide(url, { jpegDecoder: sharpJpeg });
    const st = await exercise(s);
    s.close();
    const plain = await openSlide(url, { jpegDecoder: sharpJpeg, coalesce: false });
    const stPlain = await exercise(plain);
    plain.close();
    console.log(
      `100k² by URL: ${st.rangeRequests} range requests coalesced, ${stPlain.rangeRequests} one per read; ${mb(st.bytesRead)} MB of tiles read`,
    );
    expect(server.requests() - before).toBe((st.rangeRequests ?? 0) + (stPlain.rangeRequests ?? 0));
    expect(st.rangeRequests).toBeLessThan(stPlain.rangeRequests ?? 0);
    // the file is 2.5 MB; a URL read must never have downloaded it whole
    expect(st.bytesRead).toBeLessThan(1 << 20);
  });
});
