import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { decodeHeatmapBytes, decodeHeatmapFile, encodeHeatmapFile, HeatmapFileError } from './heatmap-file';
import { cellRange, fillStore, testStore } from './store.fixture';

describe('heatmap file', () => {
  it('round-trips a store cell for cell, gzip or not', async () => {
    const store = testStore('unet');
    fillStore(store, cellRange(-1, 0, 5, 3), (x, y) => ((x + 2 * y) % 500) / 500);
    const bytes = encodeHeatmapFile(store);
    for (const back of [decodeHeatmapFile(bytes), await decodeHeatmapBytes(gzipSync(bytes))]) {
      expect(back.info).toEqual(store.info);
      expect(back.cellCount).toBe(store.cellCount);
      expect(back.cellBounds).toEqual(store.cellBounds);
      for (const { col, row, cell } of store.entries()) expect(back.getCell(col, row)).toEqual(cell);
      expect(back.countPixels(0.5)).toEqual(store.countPixels(0.5));
    }
  });

  it('rejects other files and truncated ones with a clear error', () => {
    const store = testStore();
    fillStore(store, cellRange(0, 0, 2, 1), () => 0.7);
    const bytes = encodeHeatmapFile(store);
    expect(() => decodeHeatmapFile(new TextEncoder().encode('{"not": "a heatmap"}'))).toThrow(
      HeatmapFileError,
    );
    expect(() => decodeHeatmapFile(bytes.subarray(0, bytes.length - 1))).toThrow(/truncated|need/);
    const bad = bytes.slice();
    bad[4] = 9;
    expect(() => decodeHeatmapFile(bad)).toThrow(/version 9/);
  });
});
