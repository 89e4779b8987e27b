// A synthetic tile over a native JPEG level, built from the decoder's borrowed views
// (JpegDecoder.decodeEach), must equal the one built from decoded, cached finer tiles: on the
// shared SVS, whose level 1 has ragged edges (2967 rows). The views here are overwritten as soon as
// each call returns, so a kernel that kept one would show it.

import { describe, expect, it } from 'vitest';
import { NDPI_LEVELS, ndpiBytes, restartJpeg, writeNdpi } from '../../scripts/fixtures/ndpi-fixtures';
import type { JpegDecoder } from './decoders/jpeg-decoder';
import type { RgbaImage } from './slide-types';
import { haveShared, openBytes, openPath, SVS, sharpJpeg } from './test-helpers';

/** sharp's decoder plus a decodeEach that lends one scratch buffer and scribbles over it after each use. */
function viewingDecoder() {
  const counts = { decodeEach: 0, images: 0, decode: 0 };
  const decoder: JpegDecoder = {
    name: 'viewing',
    decode(jpeg, signal) {
      counts.decode++;
      return sharpJpeg.decode(jpeg, signal);
    },
    async decodeEach(jpegs, use, signal) {
      counts.decodeEach++;
      const images = await Promise.all(jpegs.map((j) => (j ? sharpJpeg.decode(j, signal) : null)));
      let scratch = new Uint8ClampedArray(0);
      for (let i = 0; i < images.length; i++) {
        const img = images[i];
        if (!img) continue;
        if (scratch.length < img.data.length) scratch = new Uint8ClampedArray(img.data.length);
        const view = scratch.subarray(0, img.data.length);
        view.set(img.data);
        use(i, { width: img.width, height: img.height, data: view });
        counts.images++;
        view.fill(0x5a);
      }
    },
  };
  return { decoder, counts };
}

const same = (a: RgbaImage, b: RgbaImage) =>
  a.width === b.width &&
  a.height === b.height &&
  Buffer.compare(Buffer.from(a.data), Buffer.from(b.data)) === 0;

describe.skipIf(!haveShared('real slides: synthetic tiles from JPEG views'))(
  'synthetic tiles from JPEG views',
  () => {
    it('equal the cached path on every level-1 tile of the SVS, edges included, without caching level 0', async () => {
      const plain = await openPath(SVS);
      const { decoder, counts } = viewingDecoder();
      const viewed = await openPath(SVS, { jpegDecoder: decoder });
      const lv = viewed.metadata.levels[1];
      expect(lv.synthetic).toBe(true);
      const across = Math.ceil(lv.width / lv.tileWidth);
      const down = Math.ceil(lv.height / lv.tileHeight);
      let differ = 0;
      for (let y = 0; y < down; y++) {
        for (let x = 0; x < across; x++) {
          const a = await plain.getTile({ level: 1, x, y });
          const b = await viewed.getTile({ level: 1, x, y });
          if (!same(a, b)) differ++;
        }
      }
      expect(differ).toBe(0);
      expect(counts.decodeEach).toBe(across * down);
      // 10 × 13 level-0 tiles, each decoded once, none through decode() and into the cache
      expect(counts.images).toBe(130);
      expect(counts.decode).toBe(0);
      expect(viewed.stats().decodedTiles).toBe(across * down);
      plain.close();
      viewed.close();
    });

    it('leaves a tile whose finer tiles are cached to the general path, with the same pixels', async () => {
      const { decoder, counts } = viewingDecoder();
      const s = await openPath(SVS, { jpegDecoder: decoder });
      await s.getTile({ level: 0, x: 2, y: 2 }); // one of tile (1, 1)'s four
      const general = await s.getTile({ level: 1, x: 1, y: 1 });
      expect(counts.decodeEach).toBe(0);
      const plain = await openPath(SVS);
      expect(same(general, await plain.getTile({ level: 1, x: 1, y: 1 }))).toBe(true);
      // deeper synthetic levels read level 1 through the cache, which the views fill
      const l2 = await s.getTile({ level: 2, x: 0, y: 0 });
      expect(same(l2, await plain.getTile({ level: 2, x: 0, y: 0 }))).toBe(true);
      expect(counts.decodeEach).toBeGreaterThan(0);
      s.close();
      plain.close();
    });

    it('stops on abort', async () => {
      const { decoder } = viewingDecoder();
      const s = await openPath(SVS, { jpegDecoder: decoder });
      const controller = new AbortController();
      const pending = s.getTile({ level: 1, x: 2, y: 2, signal: controller.signal });
      controller.abort();
      await expect(pending).rejects.toMatchObject({ name: 'AbortError' });
      s.close();
    });
  },
);

describe('synthetic tiles from JPEG views, NDPI', () => {
  it('equal the cached path over a level served in restart segments', async () => {
    // levels 4× apart, as scanners write them: the 2× level between is synthetic, over level 0's
    // 512 px restart segments (NDPI_LEVELS[0]; NDPI_LEVELS[2] is a quarter of it)
    const images = [];
    for (const spec of [NDPI_LEVELS[0], NDPI_LEVELS[2]])
      images.push({ ...spec, ...(await restartJpeg(spec)) });
    const bytes = ndpiBytes(writeNdpi(images));
    const plain = await openBytes(bytes, 'quarter.ndpi');
    const { decoder, counts } = viewingDecoder();
    const viewed = await openBytes(bytes, 'quarter.ndpi', { jpegDecoder: decoder });
    const lv = viewed.metadata.levels[1];
    expect(lv.synthetic).toBe(true);
    expect(viewed.metadata.levels[0].synthetic).toBe(false);
    let tiles = 0;
    for (let y = 0; y < Math.ceil(lv.height / lv.tileHeight); y++) {
      for (let x = 0; x < Math.ceil(lv.width / lv.tileWidth); x++) {
        const a = await plain.getTile({ level: 1, x, y });
        const b = await viewed.getTile({ level: 1, x, y });
        expect(same(a, b), `tile ${x},${y}`).toBe(true);
        tiles++;
      }
    }
    // every synthetic tile came from the views, its finer tiles neither decoded alone nor cached
    expect(counts.decodeEach).toBe(tiles);
    expect(counts.images).toBeGreaterThanOrEqual(tiles);
    expect(counts.decode).toBe(0);
    plain.close();
    viewed.close();
  });
});
