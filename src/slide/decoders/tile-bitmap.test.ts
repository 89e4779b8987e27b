import { describe, expect, it } from 'vitest';
import { SlideError } from '../slide-error';
import type { JpegTileParts, JpegTileStream, SlideReader } from '../slide-reader';
import type { RgbaImage } from '../slide-types';
import type { WebCodecsJpegDecoder } from './jpeg-webcodecs';
import { type BitmapPlatform, createTileBitmaps } from './tile-bitmap';

// A bitmap stand-in that remembers where it came from.
interface FakeBitmap {
  width: number;
  height: number;
  from: string;
  closed: boolean;
  close(): void;
}

function fakeBitmap(width: number, height: number, from: string): FakeBitmap {
  return {
    width,
    height,
    from,
    closed: false,
    close() {
      this.closed = true;
    },
  };
}

function platform(opts: {
  webCodecs?: RgbaImage | null | 'absent';
  /** size createImageBitmap decodes a Blob to; 'fail' rejects */
  blobDecode?: { width: number; height: number } | 'fail' | ((blob: Blob) => 'fail' | null);
}) {
  const calls: string[] = [];
  const webCodecs: WebCodecsJpegDecoder | null =
    opts.webCodecs === 'absent'
      ? null
      : {
          async decode(_jpeg, _signal, crop, borrow) {
            calls.push(`webcodecs ${crop?.width}x${crop?.height} borrow=${borrow}`);
            return (opts.webCodecs as RgbaImage | null | undefined) ?? null;
          },
          async decodeFrame() {
            return null; // the bitmap path decodes whole tiles only
          },
        };
  const p: BitmapPlatform = {
    webCodecs,
    async bitmap(source) {
      if (source instanceof Blob) {
        calls.push(`blob ${source.type} ${source.size}`);
        const d = typeof opts.blobDecode === 'function' ? opts.blobDecode(source) : opts.blobDecode;
        if (d === 'fail' || !d) throw new Error('broken JPEG');
        return fakeBitmap(d.width, d.height, 'blob') as unknown as ImageBitmap;
      }
      calls.push(`imagedata ${source.width}x${source.height}`);
      return fakeBitmap(source.width, source.height, 'imagedata') as unknown as ImageBitmap;
    },
    async cropBitmap(source, width, height) {
      calls.push(`crop ${width}x${height}`);
      return fakeBitmap(
        width,
        height,
        `crop of ${(source as unknown as FakeBitmap).from}`,
      ) as unknown as ImageBitmap;
    },
    imageData: (data, width, height) => ({ data, width, height }) as unknown as ImageData,
    now: () => 0,
  };
  return { p, calls };
}

function reader(opts: { stream?: JpegTileStream | null; parts?: JpegTileParts | null }) {
  const notes: number[] = [];
  const r = {
    jpegTileStream: async () => opts.stream ?? null,
    jpegTileParts: () => opts.parts ?? null,
    noteDecode: (ms: number) => notes.push(ms),
  } as unknown as SlideReader;
  return { r, notes };
}

const STREAM: JpegTileStream = { stream: new Uint8Array([0xff, 0xd8, 1, 2, 3]), width: 200, height: 100 };
const req = { level: 0, x: 1, y: 2 };

describe('tile bitmaps: how a JPEG tile becomes an ImageBitmap', () => {
  it('WebCodecs first: cropped planes become one ImageData bitmap', async () => {
    const rgba = { width: 200, height: 100, data: new Uint8ClampedArray(200 * 100 * 4) };
    const { p, calls } = platform({ webCodecs: rgba });
    const { r, notes } = reader({ stream: STREAM });
    const b = (await createTileBitmaps(p).jpegTileBitmap(r, req)) as unknown as FakeBitmap;
    expect(b.from).toBe('imagedata');
    expect(calls).toEqual(['webcodecs 200x100 borrow=true', 'imagedata 200x100']);
    expect(notes).toHaveLength(1);
  });

  it('WebCodecs declining falls back to createImageBitmap on the stream, cropping a padded edge tile', async () => {
    const { p, calls } = platform({ webCodecs: null, blobDecode: { width: 256, height: 256 } });
    const { r } = reader({ stream: STREAM });
    const b = (await createTileBitmaps(p).jpegTileBitmap(r, req)) as unknown as FakeBitmap;
    expect(b.from).toBe('crop of blob');
    expect([b.width, b.height]).toEqual([200, 100]);
    expect(calls).toEqual(['webcodecs 200x100 borrow=true', 'blob image/jpeg 5', 'crop 200x100']);
  });

  it('without WebCodecs, local files decode from their Blob parts', async () => {
    const { p, calls } = platform({ webCodecs: 'absent', blobDecode: { width: 200, height: 100 } });
    const parts: JpegTileParts = {
      parts: [new Uint8Array([0xff, 0xd8]), new Blob(['abc'])],
      width: 200,
      height: 100,
    };
    const { r } = reader({ stream: STREAM, parts });
    const b = (await createTileBitmaps(p).jpegTileBitmap(r, req)) as unknown as FakeBitmap;
    expect(b.from).toBe('blob');
    expect(calls).toEqual(['blob image/jpeg 5']);
  });

  it('parts that fail to decode take the byte path, whose failure is a decode-failed SlideError', async () => {
    const { p, calls } = platform({ webCodecs: 'absent', blobDecode: 'fail' });
    const parts: JpegTileParts = { parts: [new Uint8Array(7)], width: 200, height: 100 };
    const { r } = reader({ stream: STREAM, parts });
    const err = await createTileBitmaps(p)
      .jpegTileBitmap(r, req)
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SlideError);
    expect((err as SlideError).code).toBe('decode-failed');
    expect((err as SlideError).message).toMatch(/A JPEG tile could not be decoded: broken JPEG\./);
    expect(calls).toEqual(['blob image/jpeg 7', 'blob image/jpeg 5']);
  });

  it('a tile with no JPEG stream (not JPEG, synthetic, cached) yields null for the RGBA path', async () => {
    for (const webCodecs of ['absent', null] as const) {
      const { p, calls } = platform({ webCodecs });
      const { r } = reader({ stream: null, parts: null });
      expect(await createTileBitmaps(p).jpegTileBitmap(r, req)).toBeNull();
      expect(calls).toEqual([]);
    }
  });

  it('RGBA tiles become a bitmap without a copy of their own (createImageBitmap copies an ImageData)', async () => {
    let seen: Uint8ClampedArray | null = null;
    const { p } = platform({});
    p.imageData = (data, width, height) => {
      seen = data;
      return { data, width, height } as unknown as ImageData;
    };
    const img = { width: 2, height: 1, data: new Uint8ClampedArray([1, 2, 3, 4, 5, 6, 7, 8]) };
    await createTileBitmaps(p).rgbaBitmap(img);
    expect(seen).toBe(img.data);
    expect(Array.from(img.data)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
  });
});
