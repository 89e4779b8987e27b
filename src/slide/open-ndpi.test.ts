import {
  closeSync,
  mkdtempSync,
  openSync,
  readSync,
  rmSync,
  statSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  makeNdpi,
  NDPI_LEVELS,
  NDPI_MACRO,
  NDPI_MAP,
  NDPI_MPP,
  NDPI_OBJECTIVE,
  ndpiBytes,
  ndpiImages,
  restartJpeg,
  writeNdpi,
} from '../../scripts/fixtures/ndpi-fixtures';
import { sharedAvailable, sharedPath } from '../util/node/shared-data';
import { BlockCache } from './block-cache';
import { BlobSource, MemorySource } from './byte-source';
import { assembleSegments, parseJpegFrame } from './ndpi-jpeg';
import { describeNdpi } from './ndpi-structure';
import { openSlide } from './open-slide';
import {
  haveOpenSlide,
  openslideDiff,
  openslideRegion,
  openslideParity as parity,
} from './openslide-reference.fixture';
import { isSlideError } from './slide-error';
import { DEFAULT_LIMITS } from './slide-limits';
import type { RgbaImage } from './slide-types';
import { openBytes, openPath, sharpJpeg } from './test-helpers';
import { parseTiff, type TiffFile } from './tiff-parser';

const tmp = mkdtempSync(join(tmpdir(), 'ndpi-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const meanAbsDiff = (a: RgbaImage, ref: Buffer) => openslideDiff(a, ref).mad;

/**
 * A file as a Blob, read slice by slice: Node 20's openAsBlob reports the size of a file over
 * 4 GB modulo 2^32, where a browser's File does not.
 */
function largeFileBlob(path: string): Blob {
  const size = statSync(path).size;
  const slice = (start = 0, end = size): Blob =>
    ({
      size: end - start,
      slice: (a = 0, b = end - start) => slice(start + a, start + Math.min(b, end - start)),
      arrayBuffer: async () => {
        const buf = new Uint8Array(end - start);
        const fd = openSync(path, 'r');
        try {
          readSync(fd, buf, 0, buf.byteLength, start);
        } finally {
          closeSync(fd);
        }
        return buf.buffer;
      },
    }) as unknown as Blob;
  return slice();
}

describe('NDPI fixture (generated)', () => {
  let bytes: Uint8Array;
  let path: string;
  beforeAll(async () => {
    bytes = await makeNdpi();
    path = join(tmp, 'fixture.ndpi');
    writeFileSync(path, bytes);
  }, 120_000);

  it('opens as Hamamatsu NDPI with levels, mpp, objective and associated images from the tags', async () => {
    const tiff = await parseTiff(new BlockCache(new MemorySource(bytes, 'f.ndpi')), DEFAULT_LIMITS);
    expect(tiff.ndpi).toBe(true);
    const slide = await openBytes(bytes, 'fixture.ndpi');
    const m = slide.metadata;
    expect(m.format).toBe('hamamatsu-ndpi');
    expect(m.vendor).toBe('hamamatsu');
    expect([m.width, m.height]).toEqual([NDPI_LEVELS[0].width, NDPI_LEVELS[0].height]);
    expect(m.mpp).toBeCloseTo(NDPI_MPP, 3);
    expect(m.mppSource).toBe('tiff-resolution');
    expect(m.objective).toBe(NDPI_OBJECTIVE);
    const native = m.levels.filter((l) => !l.synthetic);
    expect(native.map((l) => [l.width, l.height])).toEqual(NDPI_LEVELS.map((l) => [l.width, l.height]));
    // macro and map are not levels
    expect(m.associated).toEqual([
      { kind: 'macro', ...NDPI_MACRO },
      { kind: 'map', ...NDPI_MAP },
    ]);
    // 512 px segments: one per tile; 1024 px segments: 512 px bands; 128 px segments: four per tile
    expect([native[0].tileWidth, native[0].tileHeight]).toEqual([512, 512]);
    expect([native[1].tileWidth, native[2].tileWidth, native[3].tileWidth]).toEqual([512, 512, 512]);
    slide.close();
  });

  it('a tile reads only its own restart segments, never the whole level', async () => {
    const slide = await openBytes(bytes, 'fixture.ndpi');
    const level0 = (await ndpiImages())[0].jpeg.byteLength;
    await slide.getTile({ level: 0, x: 1, y: 1 });
    const { bytesRead, decodedTiles } = slide.stats();
    expect(decodedTiles).toBe(1);
    expect(bytesRead).toBeGreaterThan(0);
    expect(bytesRead).toBeLessThan(level0 / 4); // one of 4×2 tiles
    // the viewer's bitmap path gets a complete JPEG of the tile's size
    const fast = await slide.jpegTileStream?.({ level: 0, x: 3, y: 1 });
    expect(fast && [fast.width, fast.height]).toEqual([512, 1020 - 512]);
    const img = await sharpJpeg.decode(fast?.stream as Uint8Array);
    expect([img.width, img.height]).toEqual([512, 508]);
    slide.close();
  });

  it.skipIf(!haveOpenSlide)(
    'pixels match OpenSlide at every native level; a shifted region does not',
    async () => {
      const slide = await openBytes(bytes, 'fixture.ndpi');
      const levels = slide.metadata.levels;
      const cases: [number, number, number, number, number][] = [
        [0, 0, 0, 600, 400], // crosses segment and tile edges
        [0, 1700, 800, 348, 220], // the right and bottom edges (partial MCU row)
        [levels.findIndex((l) => l.downsample === 2), 300, 200, 600, 300], // bands
        [levels.findIndex((l) => l.downsample === 4), 0, 0, 512, 255], // four segments a tile
        [levels.findIndex((l) => !l.synthetic && l.width === 256), 0, 0, 256, 127], // decoded whole
      ];
      for (const [level, x, y, w, h] of cases) {
        const { mad, control } = await parity(slide, path, level, x, y, w, h);
        console.log(
          `NDPI fixture parity level ${level} (${x},${y}) ${w}×${h}: mean abs diff ${mad.toFixed(3)}, shifted ${control.toFixed(2)}`,
        );
        expect(mad).toBeLessThan(1);
        expect(control).toBeGreaterThan(3);
      }
      slide.close();
    },
    120_000,
  );

  it('a copy written past 4 GB opens through the high bytes of its offsets, with the same pixels', async () => {
    // A sparse file: 16 header bytes, then nothing until 2^32 + 4096, where the NDPI's body starts.
    const f = writeNdpi(await ndpiImages(), 2 ** 32 + 4096);
    const big = join(tmp, 'past-4gb.ndpi');
    const fd = openSync(big, 'w');
    writeSync(fd, f.head, 0, 16, 0);
    writeSync(fd, f.body, 0, f.body.byteLength, f.bodyAt);
    closeSync(fd);
    const blob = largeFileBlob(big);
    expect(blob.size).toBeGreaterThan(2 ** 32);
    const tiff = await parseTiff(new BlockCache(new BlobSource(blob, 30_000)), DEFAULT_LIMITS);
    expect(tiff.ndpi).toBe(true);
    expect(tiff.ifds[0].offset).toBeGreaterThan(2 ** 32);
    expect(tiff.ifds[0].tags.get(273)).toEqual([f.levels[0].jpegAt]);
    expect(f.levels[0].jpegAt).toBeGreaterThan(2 ** 32);
    const far = await openSlide(blob, { name: 'past-4gb.ndpi', jpegDecoder: sharpJpeg });
    const near = await openBytes(bytes, 'fixture.ndpi');
    expect(far.metadata.levels).toEqual(near.metadata.levels);
    const region = { x: 900, y: 300, width: 300, height: 200, downsample: 1 };
    const a = await far.readRegion(region);
    const b = await near.readRegion(region);
    expect(Buffer.from(a.data).equals(Buffer.from(b.data))).toBe(true);
    if (haveOpenSlide) {
      const ref = await openslideRegion(big, region.x, region.y, 0, region.width, region.height);
      expect(meanAbsDiff(a, ref)).toBeLessThan(1);
    }
    far.close();
    near.close();
  }, 120_000);

  it('McuStarts past the end of the file, or out of order, are clear errors when the slide opens', async () => {
    const f = writeNdpi(await ndpiImages());
    const cases: [number, number, RegExp][] = [
      [5, 0xfffffff0, /McuStarts entry 5 points past the end of the file/],
      [7, f.levels[0].mcuStarts[3], /McuStarts are out of order \(entry 7/],
    ];
    for (const [i, value, message] of cases) {
      const b = new Uint8Array(16 + f.body.byteLength);
      b.set(f.head);
      b.set(f.body, 16);
      new DataView(b.buffer).setUint32(f.levels[0].mcuStartsAt - f.bodyAt + 16 + 4 * i, value, true);
      const e = await openBytes(b, 'bad.ndpi').catch((x: unknown) => x);
      expect(isSlideError(e), String(e)).toBe(true);
      expect((e as Error).message).toMatch(message);
    }
  });
});

describe('NDPI pieces', () => {
  it('4:2:0 levels (16 px MCUs) cut into the same pixels as the whole JPEG decoded at once', async () => {
    // OpenSlide 3.4.1 cannot read this one (it fails on 4:2:0 restart tiles), so the reference is
    // libjpeg's decode of the level's complete, valid stream.
    const spec = {
      width: 640,
      height: 250,
      restartMcus: 8,
      subsampling: '4:2:0',
      magnification: 20,
    } as const;
    const { jpeg, mcuStarts } = await restartJpeg(spec);
    const f = writeNdpi([{ ...spec, jpeg, mcuStarts }]);
    const slide = await openBytes(ndpiBytes(f), 'subsampled.ndpi');
    expect(slide.metadata.levels[0].tileWidth).toBe(512); // 128 px segments, four to a tile
    const ours = await slide.readRegion({ x: 0, y: 0, width: 640, height: 250, downsample: 1 });
    const whole = await sharpJpeg.decode(jpeg);
    let d = 0;
    for (let i = 0; i < whole.data.length; i++) d += Math.abs(whole.data[i] - ours.data[i]);
    expect(d / whole.data.length).toBeLessThan(0.5);
    slide.close();
  });

  it('McuStarts take their high 32 bits from tag 65432', () => {
    const tags = new Map<number, number[] | string>([
      [256, [64]],
      [257, [16]],
      [259, [7]],
      [273, [100]],
      [279, [2 ** 33]],
      [65421, [20]],
      [65426, [600, 7]],
      [65432, [0, 1]],
    ]);
    const tiff: TiffFile = {
      littleEndian: true,
      bigTiff: false,
      ndpi: true,
      ifds: [{ offset: 8, index: 0, subIndex: -1, tags, subIfds: [] }],
    };
    const s = describeNdpi(tiff, 'x.ndpi', DEFAULT_LIMITS, null);
    expect(s.levels[0].mcuStarts).toEqual([600, 2 ** 32 + 7]);
  });

  it('segments join into one JPEG with RST0..7 renumbered and EOI last', () => {
    const seg = (m: number) => new Uint8Array([1, 2, 0xff, m]);
    const out = assembleSegments(new Uint8Array([0xff, 0xd8]), [seg(0xd5), seg(0xd6), seg(0xd9)], 'x');
    expect(Array.from(out)).toEqual([0xff, 0xd8, 1, 2, 0xff, 0xd0, 1, 2, 0xff, 0xd1, 1, 2, 0xff, 0xd9]);
    expect(() => assembleSegments(new Uint8Array(2), [new Uint8Array([1, 2, 3])], 'x.ndpi')).toThrow(
      /McuStarts do not point at restart segments/,
    );
  });

  it('a progressive JPEG cannot be cut and says so', () => {
    const j = new Uint8Array([0xff, 0xd8, 0xff, 0xc2, 0, 11, 8, 0, 8, 0, 8, 1, 1, 0x11, 0]);
    expect(() => parseJpegFrame(j, 'x.ndpi')).toThrow(/progressive/);
  });
});

const haveSample = sharedAvailable('NDPI sample tests', 'ndpi');

describe.skipIf(!haveSample)('NDPI sample (../shared/formats/ndpi)', () => {
  const path = sharedPath('ndpi');

  it('reads what OpenSlide reports: 3968×4864, 0.228 µm/px, 40×, macro and map kept apart', async () => {
    const slide = await openPath(path);
    const m = slide.metadata;
    expect(m.format).toBe('hamamatsu-ndpi');
    expect([m.width, m.height]).toEqual([3968, 4864]);
    expect(m.mpp).toBeCloseTo(0.2281750559, 6);
    expect(m.objective).toBe(40);
    expect(m.levels.filter((l) => !l.synthetic).map((l) => l.width)).toEqual([3968, 1984, 992, 496]);
    expect(m.associated?.map((a) => a.kind)).toEqual(['macro', 'map']);
    slide.close();
  });

  it('one tile of level 0 decodes one band of restart segments, not the level', async () => {
    const slide = await openPath(path);
    await slide.getTile({ level: 0, x: 2, y: 3 });
    // the level's JPEG is 1.86 MB; a 512-row band is about 1/9 of it
    expect(slide.stats().bytesRead).toBeLessThan(1_862_779 / 4);
    slide.close();
  });

  it.skipIf(!haveOpenSlide)(
    'pixels match OpenSlide; a shifted region does not',
    async () => {
      const slide = await openPath(path);
      const levels = slide.metadata.levels;
      const cases: [number, number, number, number, number][] = [
        [0, 1000, 1000, 700, 600],
        [0, 3600, 4500, 368, 364], // the bottom-right corner
        [levels.findIndex((l) => l.downsample === 4), 400, 400, 500, 400],
        [levels.findIndex((l) => l.downsample === 8), 0, 0, 496, 608],
      ];
      for (const [level, x, y, w, h] of cases) {
        const { mad, control } = await parity(slide, path, level, x, y, w, h);
        console.log(
          `NDPI sample parity level ${level} (${x},${y}) ${w}×${h}: mean abs diff ${mad.toFixed(3)}, shifted ${control.toFixed(2)}`,
        );
        expect(mad).toBeLessThan(1);
        expect(control).toBeGreaterThan(1.5);
      }
      slide.close();
    },
    120_000,
  );
});
