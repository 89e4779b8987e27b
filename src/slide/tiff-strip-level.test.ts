import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { makeStripedTiff, STRIPED_SIZE, stripedPattern } from '../../scripts/fixtures/striped-fixtures';
import { openBytes } from './test-helpers';
import { STRIP_TILE, stripsPerBand } from './tiff-strip-level';

const { width: W, height: H } = STRIPED_SIZE;

describe('striped TIFFs open as virtual 512² tiles', () => {
  for (const codec of ['none', 'lzw', 'deflate', 'jpeg'] as const) {
    it(`${codec} strips: metadata and every pixel`, async () => {
      const bytes = await makeStripedTiff(codec);
      const s = await openBytes(bytes, `striped-${codec}.tif`);
      const m = s.metadata;
      expect(m.format).toBe('striped-tiff');
      expect([m.width, m.height]).toEqual([W, H]);
      expect(m.levels[0]).toMatchObject({ tileWidth: 512, tileHeight: 512, synthetic: false });
      expect(m.levels.slice(1).every((l) => l.synthetic)).toBe(true);
      expect(m.mpp).toBeCloseTo(50, 6);
      // the reference: the pattern itself, or for JPEG what libjpeg decodes from the same file
      const ref =
        codec === 'jpeg'
          ? await sharp(bytes).removeAlpha().raw().toBuffer()
          : Buffer.from(stripedPattern().data);
      const img = await s.readRegion({ x: 0, y: 0, width: W, height: H, downsample: 1 });
      let diff = 0;
      for (let i = 0; i < W * H; i++)
        for (let c = 0; c < 3; c++) diff = Math.max(diff, Math.abs(img.data[i * 4 + c] - ref[i * 3 + c]));
      expect(diff).toBe(0);
      // an edge tile is the level's part, and the strips under a band are decoded once
      const edge = await s.getTile({ level: 0, x: 2, y: 1 });
      expect([edge.width, edge.height]).toEqual([W - 1024, H - 512]);
      s.close();
    });
  }

  it('tiles across one band of rows share the strips decoded for it', async () => {
    const s = await openBytes(await makeStripedTiff('lzw'), 'striped.tif');
    await s.getTile({ level: 0, x: 0, y: 0 });
    const afterFirst = s.stats().bytesRead;
    await s.getTile({ level: 0, x: 1, y: 0 });
    await s.getTile({ level: 0, x: 2, y: 0 });
    expect(s.stats().bytesRead).toBe(afterFirst);
    s.close();
  });

  it('counts the strips one row of 512² tiles crosses, which must fit the strip cap together', () => {
    expect(STRIP_TILE).toBe(512);
    expect(stripsPerBand({ height: 700, tileHeight: 256 })).toBe(2); // rows 0–511: strips 0, 1
    expect(stripsPerBand({ height: 5000, tileHeight: 100 })).toBe(7); // rows 4096–4607: strips 40…46
    expect(stripsPerBand({ height: 5000, tileHeight: 16 })).toBe(32);
    expect(stripsPerBand({ height: 300, tileHeight: 16 })).toBe(19); // the whole image
    expect(stripsPerBand({ height: 700, tileHeight: 4096 })).toBe(1);
  });
});
