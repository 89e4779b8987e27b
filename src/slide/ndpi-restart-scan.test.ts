// NDPI levels without McuStarts: the segment index found by scanning for restart markers must be
// the one McuStarts would have listed, and the tiles the same bytes as through McuStarts.

import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeNdpiRestartsOutOfSequence } from '../../scripts/fixtures/bad-fixtures';
import {
  makeNdpi,
  makeNdpiWithoutMcuStarts,
  NDPI_LEVELS,
  ndpiImages,
  stripMcuStarts,
} from '../../scripts/fixtures/ndpi-fixtures';
import { type SlideServer, startSlideServer } from '../../scripts/serve-slides';
import { sharedAvailable, sharedPath } from '../util/node/shared-data';
import { BlockCache } from './block-cache';
import { MemorySource } from './byte-source';
import { parseJpegFrame } from './ndpi-jpeg';
import { segmentGrid } from './ndpi-level';
import { RestartIndex, scanRestartMarkers } from './ndpi-restart-scan';
import { describeNdpi } from './ndpi-structure';
import { openSlide } from './open-slide';
import { haveOpenSlide, openslideParity } from './openslide-reference.fixture';
import { isSlideError } from './slide-error';
import { DEFAULT_LIMITS } from './slide-limits';
import type { SlideReader } from './slide-reader';
import { openBytes, openPath, sharpJpeg } from './test-helpers';
import { parseTiff } from './tiff-parser';

async function errorOf(run: () => Promise<unknown>): Promise<unknown> {
  try {
    await run();
  } catch (e) {
    return e;
  }
  return null;
}

describe('restart-marker scan (NDPI without McuStarts)', () => {
  it('finds exactly the McuStarts of every level, whatever the read size', async () => {
    let levels = 0;
    const images = await ndpiImages(); // the pyramid first, in NDPI_LEVELS's order
    for (const [i, spec] of NDPI_LEVELS.entries()) {
      if (spec.restartMcus === 0) continue;
      const { jpeg, mcuStarts } = images[i];
      const frame = parseJpegFrame(jpeg, 'level');
      const g = segmentGrid(frame, spec.width, spec.height);
      expect(g).not.toBeNull();
      // 7-byte reads put markers across read boundaries; 4 MiB reads take the stream at once
      for (const chunkBytes of [7, 4096, 4 << 20]) {
        const starts = await scanRestartMarkers({
          source: new MemorySource(jpeg, 'level.jpg'),
          offset: 0,
          length: jpeg.byteLength,
          first: frame.header.byteLength,
          expected: (g?.across ?? 0) * (g?.rows ?? 0),
          limits: DEFAULT_LIMITS,
          what: 'level',
          chunkBytes,
        });
        expect(Array.from(starts)).toEqual(mcuStarts);
      }
      levels++;
    }
    expect(levels).toBe(3);
  });

  it('tiles equal the McuStarts path byte for byte, cut from segments (the level is never decoded whole)', async () => {
    // a 1 MB cap refuses decoding level 0 (2048×1020, 8 MB) whole: its tiles must come from segments
    const limits = { maxStripCacheBytes: 1 << 20 };
    const withStarts = await openBytes(await makeNdpi(), 'with.ndpi', { limits });
    const without = await openBytes(await makeNdpiWithoutMcuStarts(), 'without.ndpi', { limits });
    const native = (s: SlideReader) => s.metadata.levels.filter((l) => !l.synthetic);
    expect(native(without)).toEqual(native(withStarts));
    let tiles = 0;
    for (const [level, lv] of without.metadata.levels.entries()) {
      if (lv.synthetic) continue;
      for (let y = 0; y < Math.ceil(lv.height / lv.tileHeight); y++)
        for (let x = 0; x < Math.ceil(lv.width / lv.tileWidth); x++) {
          const a = await withStarts.getTile({ level, x, y });
          const b = await without.getTile({ level, x, y });
          expect(Buffer.from(b.data).equals(Buffer.from(a.data)), `level ${level} tile ${x},${y}`).toBe(true);
          tiles++;
        }
    }
    expect(tiles).toBeGreaterThan(10);
    withStarts.close();
    without.close();
  });

  it('the index grows only as far as asked; a tile that gives up does not fail another waiting', async () => {
    const [{ jpeg, mcuStarts }] = await ndpiImages();
    const frame = parseJpegFrame(jpeg, 'level');
    const index = new RestartIndex({
      source: new MemorySource(jpeg, 'level.jpg'),
      offset: 0,
      length: jpeg.byteLength,
      first: frame.header.byteLength,
      expected: mcuStarts.length,
      limits: DEFAULT_LIMITS,
      what: 'level 0',
      chunkBytes: 1000,
    });
    const gaveUp = new AbortController();
    const a = index.through(mcuStarts.length - 1, gaveUp.signal);
    const b = index.through(20);
    gaveUp.abort();
    await expect(a).rejects.toMatchObject({ name: 'AbortError' });
    const starts = await b;
    expect(Array.from(starts.subarray(0, 21))).toEqual(mcuStarts.slice(0, 21));
    // 1000-byte reads: the scan stopped within one read of segment 20's start
    expect(index.scanned).toBeLessThan(mcuStarts[20] + 1000 + frame.header.byteLength);
    expect(Array.from(await index.through(mcuStarts.length - 1))).toEqual(mcuStarts);
  });

  it('restart markers out of sequence are a clear error on the first tile', async () => {
    const slide = await openBytes(await makeNdpiRestartsOutOfSequence(), 'bad.ndpi');
    const e = await errorOf(() => slide.getTile({ level: 0, x: 1, y: 1 }));
    expect(isSlideError(e)).toBe(true);
    expect((e as Error).message).toMatch(/level 0\) is damaged: its restart markers are out of sequence/);
    slide.close();
  });

  it('a missing marker, and a stream over the scan limit, are refused with the numbers', async () => {
    const [{ jpeg, mcuStarts }] = await ndpiImages();
    const frame = parseJpegFrame(jpeg, 'level');
    const scan = (bytes: Uint8Array, limits = DEFAULT_LIMITS) =>
      errorOf(() =>
        scanRestartMarkers({
          source: new MemorySource(bytes, 'level.jpg'),
          offset: 0,
          length: bytes.byteLength,
          first: frame.header.byteLength,
          expected: mcuStarts.length,
          limits,
          what: 'level 0',
        }),
      );
    // the last marker (RSTn before the final segment) becomes stuffed data: one segment short
    const cut = jpeg.slice();
    cut[mcuStarts[mcuStarts.length - 1] - 1] = 0x00;
    const short = await scan(cut);
    expect(isSlideError(short)).toBe(true);
    expect((short as Error).message).toMatch(
      new RegExp(`has ${mcuStarts.length - 1} restart segments where .* call for ${mcuStarts.length}`),
    );
    const over = await scan(jpeg, { ...DEFAULT_LIMITS, maxRestartScanBytes: 1000 });
    expect((over as { code?: string }).code).toBe('allocation-limit');
    expect((over as Error).message).toMatch(/no McuStarts.*scan limit/);
  });
});

const haveSample = sharedAvailable('NDPI without McuStarts, on the real sample', 'ndpi');

describe('NDPI without McuStarts: OpenSlide on the same files, and over a URL', () => {
  const tmp = mkdtempSync(join(tmpdir(), 'ndpi-no-mcu-'));
  let server: SlideServer;
  beforeAll(async () => {
    writeFileSync(join(tmp, 'fixture.ndpi'), await makeNdpiWithoutMcuStarts());
    if (haveSample) {
      const sample = new Uint8Array(readFileSync(sharedPath('ndpi')));
      writeFileSync(join(tmp, 'sample.ndpi'), sample);
      const { bytes, stripped } = stripMcuStarts(sample);
      expect(stripped).toBe(4); // McuStarts of its four pyramid levels (it writes no high bytes)
      writeFileSync(join(tmp, 'sample-no-mcu.ndpi'), bytes);
    }
    server = await startSlideServer(tmp);
  }, 120_000);
  afterAll(async () => {
    await server?.close();
    rmSync(tmp, { recursive: true, force: true });
  });

  it.skipIf(!haveOpenSlide)(
    'pixels match OpenSlide, which reads the same files; a shifted region does not',
    async () => {
      const files: [string, [number, number, number, number, number][]][] = [
        [
          'fixture.ndpi',
          [
            [1, 0, 0, 600, 400], // segments, across tile edges
            [1, 1700, 800, 348, 220], // the bottom-right corner
            [2, 300, 200, 600, 300], // bands
            [4, 0, 0, 512, 255], // four segments a tile
          ],
        ],
      ];
      if (haveSample)
        files.push([
          'sample-no-mcu.ndpi',
          [
            [1, 1000, 1000, 700, 600],
            [1, 3600, 4500, 368, 364],
            [4, 400, 400, 500, 400],
          ],
        ]);
      for (const [file, cases] of files) {
        const path = join(tmp, file);
        const slide = await openPath(path);
        // cases: [downsample of a native level, x, y, w, h]
        for (const [ds, x, y, w, h] of cases) {
          const level = slide.metadata.levels.findIndex((l) => !l.synthetic && l.downsample === ds);
          expect(level).toBeGreaterThanOrEqual(0);
          const { mad, control } = await openslideParity(slide, path, level, x, y, w, h);
          console.log(
            `${file} (no McuStarts) vs OpenSlide, level ${level} (${x},${y}) ${w}×${h}: mean abs diff ${mad.toFixed(3)}, shifted ${control.toFixed(2)}`,
          );
          expect(mad).toBeLessThan(1);
          expect(control).toBeGreaterThan(1.5);
        }
        slide.close();
      }
    },
    120_000,
  );

  it.skipIf(!haveSample)(
    "over a URL, the first tile reads the level's JPEG only about as far as its own segments",
    async () => {
      const sample = new Uint8Array(readFileSync(join(tmp, 'sample.ndpi')));
      const tiff = await parseTiff(new BlockCache(new MemorySource(sample, 's.ndpi')), DEFAULT_LIMITS);
      const level0 = describeNdpi(tiff, 's.ndpi', DEFAULT_LIMITS, sample.byteLength).levels[0];
      /** bytes the server sends for one tile of a slide opened by URL (after the open) */
      const tileBytes = async (file: string, x: number, y: number) => {
        const slide = await openSlide(`${server.url}/${file}`, { jpegDecoder: sharpJpeg });
        const before = server.bytesSent();
        await slide.getTile({ level: 0, x, y });
        const sent = server.bytesSent() - before;
        slide.close();
        return sent;
      };
      const withStarts = await tileBytes('sample.ndpi', 0, 0);
      const first = await tileBytes('sample-no-mcu.ndpi', 0, 0);
      const last = await tileBytes('sample-no-mcu.ndpi', 7, 9);
      console.log(
        `NDPI sample level 0 (${level0.length} B JPEG) over a URL: first tile ${withStarts} B with McuStarts, ${first} B without; bottom-right tile without: ${last} B`,
      );
      // the scan reads 64 KiB, then doubles: at most twice what the tile needs, plus the first read
      expect(first - withStarts).toBeLessThanOrEqual(2 * (withStarts + level0.mcuStarts![0]) + (64 << 10));
      expect(first).toBeLessThan(level0.length / 3);
      // a tile at the bottom needs every marker before it: the scan then reads the whole stream
      expect(last).toBeGreaterThan(level0.length);
    },
    60_000,
  );
});
