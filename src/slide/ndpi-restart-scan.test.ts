// NDPI levels without McuStarts: the segment index found by scanning for restart markers must be
// the one McuStarts would have listed, and the tiles the same bytes as through McuStarts.

import { describe, expect, it } from 'vitest';
import { makeNdpiRestartsOutOfSequence } from '../../scripts/fixtures/bad-fixtures';
import {
  makeNdpi,
  makeNdpiWithoutMcuStarts,
  NDPI_LEVELS,
  ndpiImages,
} from '../../scripts/fixtures/ndpi-fixtures';
import { MemorySource } from './byte-source';
import { parseJpegFrame } from './ndpi-jpeg';
import { segmentGrid } from './ndpi-level';
import { scanRestartMarkers } from './ndpi-restart-scan';
import { isSlideError } from './slide-error';
import { DEFAULT_LIMITS } from './slide-limits';
import type { SlideReader } from './slide-reader';
import { openBytes } from './test-helpers';

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
