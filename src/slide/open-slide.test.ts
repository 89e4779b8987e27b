import { describe, expect, it } from 'vitest';
import { GENERIC_MPP, GOOD_FIXTURES, OME_MPP, OME_SIZE } from '../../scripts/fixtures/good-fixtures';
import { CAMELYON, haveShared, openBytes, openPath, pixel, SVS } from './test-helpers';

describe.skipIf(!haveShared('real slides: open-slide'))('real slides (../shared)', () => {
  it('CMU-1-Small-Region.svs: Aperio metadata, one native level, thumbnail/label/macro excluded', async () => {
    const s = await openPath(SVS);
    const m = s.metadata;
    expect(m.format).toBe('aperio-svs');
    expect(m.vendor).toBe('aperio');
    expect([m.width, m.height]).toEqual([2220, 2967]);
    expect(m.mpp).toBeCloseTo(0.499, 6);
    expect(m.mppSource).toBe('aperio');
    expect(m.objective).toBe(20);
    expect(m.compression).toBe('JPEG');
    expect(m.levels.filter((l) => !l.synthetic)).toHaveLength(1);
    expect(m.levels[0]).toMatchObject({
      width: 2220,
      height: 2967,
      tileWidth: 240,
      tileHeight: 240,
      downsample: 1,
    });
    // synthetic levels halve until one tile: 1110, 555, 278, 139
    expect(m.levels.map((l) => l.width)).toEqual([2220, 1110, 555, 278, 139]);
    expect(m.levels.slice(1).every((l) => l.synthetic && l.tileWidth === 240)).toBe(true);
    s.close();
  });

  it('Camelyon16 level 5: YCbCr JPEG with JPEGTables, 512² tiles, no mpp', async () => {
    const s = await openPath(CAMELYON);
    const m = s.metadata;
    expect(m.format).toBe('generic-tiff');
    expect([m.width, m.height]).toEqual([3072, 7168]);
    expect(m.levels[0]).toMatchObject({ tileWidth: 512, tileHeight: 512, synthetic: false });
    expect(m.mpp).toBeNull();
    expect(m.mppSource).toBeNull();
    expect(m.vendor).toBeNull();
    const t = await s.getTile({ level: 0, x: 2, y: 6 });
    expect([t.width, t.height]).toEqual([512, 512]);
    s.close();
  });

  it('zero-copy JPEG tile parts make the same stream as the bytes (YCbCr), none for RGB tiles', async () => {
    const cam = await openPath(CAMELYON);
    for (const [x, y] of [
      [2, 6],
      [5, 13],
    ]) {
      const parts = cam.jpegTileParts!({ level: 0, x, y });
      const found = await cam.jpegTileStream!({ level: 0, x, y });
      expect(parts).not.toBeNull();
      const composed = new Uint8Array(await new Blob(parts!.parts).arrayBuffer());
      expect(Buffer.from(composed).equals(Buffer.from(found!.stream))).toBe(true);
      expect([parts!.width, parts!.height]).toEqual([found!.width, found!.height]);
    }
    // synthetic levels have no native tile
    expect(cam.jpegTileParts!({ level: 1, x: 0, y: 0 })).toBeNull();
    cam.close();
    // Aperio's RGB tiles need an Adobe marker that depends on their bytes
    const svs = await openPath(SVS);
    expect(svs.jpegTileParts!({ level: 0, x: 1, y: 1 })).toBeNull();
    expect(await svs.jpegTileStream!({ level: 0, x: 1, y: 1 })).not.toBeNull();
    svs.close();
  });

  it('synthetic tiles equal the 2×2 average of the finer level', async () => {
    const s = await openPath(SVS);
    const fine = await s.readRegion({ x: 0, y: 0, width: 480, height: 480, downsample: 1 });
    const coarse = await s.getTile({ level: 1, x: 0, y: 0 });
    let worst = 0;
    for (let y = 0; y < 240; y++) {
      for (let x = 0; x < 240; x++) {
        const c = pixel(coarse, x, y);
        for (let k = 0; k < 3; k++) {
          const avg =
            (pixel(fine, 2 * x, 2 * y)[k] +
              pixel(fine, 2 * x + 1, 2 * y)[k] +
              pixel(fine, 2 * x, 2 * y + 1)[k] +
              pixel(fine, 2 * x + 1, 2 * y + 1)[k]) /
            4;
          worst = Math.max(worst, Math.abs(avg - c[k]));
        }
      }
    }
    expect(worst).toBeLessThanOrEqual(0.5);
    // the coarsest level is one tile, made recursively
    const last = s.metadata.levels.length - 1;
    const tiny = await s.getTile({ level: last, x: 0, y: 0 });
    expect([tiny.width, tiny.height]).toEqual([139, 186]);
    s.close();
  });
});

describe('fixtures', () => {
  const byName = (n: string) => GOOD_FIXTURES.find((f) => f.file === n)!;

  it.each([
    ['generic-jpeg.tif', false],
    ['bigtiff-jpeg.tif', true],
  ])('%s: libvips pyramid in successive IFDs, mpp from resolution tags', async (file, big) => {
    const s = await openBytes(await byName(file).make(), file);
    const m = s.metadata;
    expect(m.format).toBe('generic-tiff');
    expect(m.bigTiff).toBe(big);
    expect(m.mpp).toBeCloseTo(GENERIC_MPP, 6);
    expect(m.mppSource).toBe('tiff-resolution');
    expect(m.levels.map((l) => [l.width, l.height, l.synthetic])).toEqual([
      [1500, 1100, false],
      [750, 550, false],
      [375, 275, false],
      [187, 137, false],
    ]);
    expect(m.levels[1].downsample).toBe(2);
    s.close();
  });

  it.each(['lzw.tif', 'deflate.tif'])('%s decodes losslessly (predictor handled)', async (file) => {
    const s = await openBytes(await byName(file).make(), file);
    const t = await s.getTile({ level: 0, x: 5, y: 4 }); // x 1280.., y 1024..
    expect(pixel(t, 0, 0)).toEqual([1280 & 255, 1024 & 255, (5 << 4) | 4]);
    expect(pixel(t, 7, 3)).toEqual([(1280 + 7) & 255, (1024 + 3) & 255, (5 << 4) | 4]);
    expect([t.width, t.height]).toEqual([1500 - 1280, 1100 - 1024]); // edge tiles are cropped
    s.close();
  });

  it('OME-TIFF: SubIFD pyramid and PhysicalSizeX in nm', async () => {
    const s = await openBytes(await byName('pyramid-subifd.ome.tif').make(), 'x.ome.tif');
    const m = s.metadata;
    expect(m.format).toBe('ome-tiff');
    expect([m.width, m.height]).toEqual([OME_SIZE.width, OME_SIZE.height]);
    expect(m.mpp).toBeCloseTo(OME_MPP, 9);
    expect(m.mppSource).toBe('ome');
    expect(m.levels.filter((l) => !l.synthetic).map((l) => l.width)).toEqual([1200, 600, 300]);
    expect(m.levels.at(-1)).toMatchObject({ width: 150, synthetic: true });
    const t = await s.getTile({ level: 1, x: 0, y: 0 });
    // level 1 pixel (0,0) averages level-0 (0..1, 0..1): R (0+1+0+1)/4 = 0.5 → 1
    expect(pixel(t, 0, 0)[1]).toBeLessThanOrEqual(1);
    s.close();
  });

  it('big-endian JPEG TIFF reads', async () => {
    const s = await openBytes(await byName('big-endian-jpeg.tif').make(), 'be.tif');
    expect(s.metadata.levels[0]).toMatchObject({ width: 700, height: 500 });
    const t = await s.getTile({ level: 0, x: 0, y: 0 });
    expect(t.data.some((v) => v < 200)).toBe(true);
    s.close();
  });

  it('rejects out-of-range tile requests and closed slides with SlideError', async () => {
    const s = await openBytes(await byName('lzw.tif').make(), 'lzw.tif');
    await expect(s.getTile({ level: 9, x: 0, y: 0 })).rejects.toMatchObject({ code: 'bad-request' });
    await expect(s.getTile({ level: 0, x: 99, y: 0 })).rejects.toMatchObject({ code: 'bad-request' });
    s.close();
    await expect(s.getTile({ level: 0, x: 0, y: 0 })).rejects.toMatchObject({ code: 'closed' });
  });

  it('an aborted open rejects with AbortError', async () => {
    const c = new AbortController();
    c.abort();
    await expect(
      openBytes(await byName('lzw.tif').make(), 'lzw.tif', { signal: c.signal }),
    ).rejects.toMatchObject({
      name: 'AbortError',
    });
  });
});
