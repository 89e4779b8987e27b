import { describe, expect, it } from 'vitest';
import { BAD_FIXTURES } from '../../scripts/fixtures/bad-fixtures';
import { isSlideError, type SlideError } from './slide-error';
import { openBytes } from './test-helpers';

describe('bad corpus: every hostile or unsupported file fails with a clear SlideError', () => {
  for (const f of BAD_FIXTURES) {
    // Hang guard: a parser that loops fails on this test's own timeout, not on a wall-clock
    // assertion a slow shared machine could break.
    it(`${f.file} → ${f.code ?? 'reads as white'}`, { timeout: 30_000 }, async () => {
      const bytes = await f.make();
      let error: unknown = null;
      let firstPixel: number[] | null = null;
      try {
        const slide = await openBytes(bytes, f.file);
        const tile = await slide.getTile({ level: 0, x: 0, y: 0 });
        firstPixel = Array.from(tile.data.subarray(0, 4));
        slide.close();
      } catch (e) {
        error = e;
      }
      if (f.failsOn === 'never') {
        expect(error).toBeNull();
        expect(firstPixel).toEqual([255, 255, 255, 255]);
        return;
      }
      expect(isSlideError(error), `expected SlideError, got ${String(error)}`).toBe(true);
      const e = error as SlideError;
      expect(e.code).toBe(f.code);
      expect(e.message).toMatch(f.mentions);
      // A sentence for people: starts with a capital or the file name, ends with a full stop.
      expect(e.message).toMatch(/[.)]$/);
      expect(e.message.length).toBeGreaterThan(20);
    });
  }

  it('zero-length tiles read as white while their neighbours keep their pixels', async () => {
    const f = BAD_FIXTURES.find((b) => b.file === 'zero-length-tiles.tif')!;
    const slide = await openBytes(await f.make(), f.file);
    const blank = await slide.getTile({ level: 0, x: 0, y: 0 });
    const kept = await slide.getTile({ level: 0, x: 1, y: 0 });
    expect(blank.data.every((v) => v === 255)).toBe(true);
    expect(kept.data.some((v) => v < 230)).toBe(true);
  });
});
