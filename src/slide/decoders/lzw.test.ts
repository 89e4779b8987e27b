import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { type BaseDecoder, getDecoder } from 'geotiff';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { makeLzwDamagedCode } from '../../../scripts/fixtures/bad-fixtures';
import { makeLzwTiff } from '../../../scripts/fixtures/good-fixtures';
import { makeStripedTiff } from '../../../scripts/fixtures/striped-fixtures';
import { BlockCache } from '../block-cache';
import { MemorySource } from '../byte-source';
import { isSlideError } from '../slide-error';
import { DEFAULT_LIMITS } from '../slide-limits';
import { parseTiff, tagNumber, tagNumbers } from '../tiff-parser';
import { decodeLzw } from './lzw';
import { BoundedLzwDecoder, blockBytes, installBoundedLzw } from './lzw-geotiff';

/** geotiff's own LZW decoder, loaded from its file: the registry holds ours once installed */
async function geotiffLzw(): Promise<new (p: BaseDecoder['parameters']) => BaseDecoder> {
  const main = createRequire(import.meta.url).resolve('geotiff'); // …/geotiff/dist-node/geotiff.js
  const file = join(dirname(main), '..', 'dist-module', 'compression', 'lzw.js');
  return (await import(pathToFileURL(file).href)).default;
}

interface Block {
  bytes: Uint8Array;
  params: BaseDecoder['parameters'];
}

/** Every tile or strip of IFD 0, with the parameters the decoder registry passes. */
async function blocksOf(tiff: Uint8Array): Promise<Block[]> {
  const { ifds } = await parseTiff(new BlockCache(new MemorySource(tiff, 'f.tif')), DEFAULT_LIMITS);
  const ifd = ifds[0];
  const tiled = ifd.tags.has(324);
  const offsets = tagNumbers(ifd, tiled ? 324 : 273) ?? [];
  const counts = tagNumbers(ifd, tiled ? 325 : 279) ?? [];
  const spp = tagNumber(ifd, 277) ?? 1;
  const params = {
    tileWidth: tagNumber(ifd, tiled ? 322 : 256) ?? 0,
    tileHeight: tagNumber(ifd, tiled ? 323 : 278) ?? 0,
    planarConfiguration: 1,
    bitsPerSample: Array(spp).fill(8),
    predictor: tagNumber(ifd, 317) ?? 1,
    samplesPerPixel: spp,
  };
  return offsets.map((o, i) => ({ bytes: tiff.slice(o, o + counts[i]), params }));
}

/** Noise: no run repeats, so the code table fills and the encoder clears it again and again. */
async function noiseLzwTiff(): Promise<Uint8Array> {
  const data = new Uint8Array(512 * 512 * 3);
  let s = 7;
  for (let i = 0; i < data.length; i++) {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    data[i] = (s >>> 16) & (i % 7 === 0 ? 0xff : 0x3f);
  }
  const b = await sharp(data, { raw: { width: 512, height: 512, channels: 3 } })
    .tiff({ compression: 'lzw', tile: true, tileWidth: 256, tileHeight: 256 })
    .toBuffer();
  return new Uint8Array(b);
}

/** A stream of codes as the decoder reads them (MSB first, 9–12 bits, early change). */
function encodeCodes(codes: number[]): Uint8Array {
  const out: number[] = [];
  let acc = 0;
  let bits = 0;
  let nbits = 9;
  let next = 258;
  let old = false;
  for (const c of codes) {
    acc = acc * (1 << nbits) + c;
    bits += nbits;
    while (bits >= 8) {
      bits -= 8;
      out.push(Math.floor(acc / 2 ** bits) & 0xff);
      acc %= 2 ** bits;
    }
    if (c === 256) {
      nbits = 9;
      next = 258;
      old = false;
      continue;
    }
    if (old && next < 4096) next++;
    old = true;
    if (next + 1 >= 1 << nbits && nbits < 12) nbits++;
  }
  if (bits > 0) out.push((acc << (8 - bits)) & 0xff);
  return Uint8Array.from(out);
}

describe('bounded LZW decoder', () => {
  it('decodes what libtiff wrote byte for byte as geotiff does: tiles, predictor, noise, strips', async () => {
    const Geotiff = await geotiffLzw();
    const fixtures = {
      tiles: await makeLzwTiff(),
      noise: await noiseLzwTiff(),
      strips: await makeStripedTiff('lzw'),
    };
    let compared = 0;
    for (const [name, tiff] of Object.entries(fixtures)) {
      for (const { bytes, params } of await blocksOf(tiff)) {
        const theirs = new Uint8Array(await new Geotiff(params).decode(bytes.slice().buffer));
        const ours = new Uint8Array(await new BoundedLzwDecoder(params).decode(bytes.slice().buffer));
        const cap = blockBytes(params);
        expect(ours.length, name).toBe(Math.min(theirs.length, cap));
        expect(Buffer.from(ours).equals(Buffer.from(theirs.subarray(0, cap))), name).toBe(true);
        compared++;
        // noise codes outnumber one table (4096 entries), so the encoder's clears are decoded too
        if (name === 'noise') expect(bytes.length * 8).toBeGreaterThan(4096 * 12 * 4);
      }
    }
    expect(compared).toBeGreaterThan(30);
  });

  it('is what geotiff hands out for compression 5 once installed', async () => {
    installBoundedLzw();
    const [block] = await blocksOf(await makeLzwTiff());
    expect(await getDecoder(5, block.params)).toBeInstanceOf(BoundedLzwDecoder);
  });

  it('stops at the block size when the codes expand far past it (an LZW bomb)', () => {
    // CLEAR, 'a', then each next code (KwKwK): strings of 2, 3, … 3837 a's; then code 4000 again
    const codes = [256, 97];
    for (let c = 258; c < 4094; c++) codes.push(c);
    for (let i = 0; i < 20_000; i++) codes.push(4000);
    const stream = encodeCodes(codes);
    expect(stream.length).toBeLessThan(40_000); // decodes to ~82 MB unbounded
    const out = decodeLzw(stream, 256 * 256 * 3);
    expect(out.length).toBe(256 * 256 * 3);
    expect(out.every((v) => v === 97)).toBe(true);
  });

  it('refuses a code past its table with a SlideError (the fuzz run’s case 67)', async () => {
    const [block] = await blocksOf(await makeLzwDamagedCode());
    let error: unknown = null;
    try {
      decodeLzw(block.bytes, blockBytes(block.params));
    } catch (e) {
      error = e;
    }
    expect(isSlideError(error)).toBe(true);
    expect((error as Error).message).toMatch(/LZW block is damaged: code \d+ at bit \d+ is not in its table/);
  });

  it('damaged and cut streams: a SlideError or at most the block size, never more', async () => {
    const blocks = await blocksOf(await makeLzwTiff());
    const cap = blockBytes(blocks[0].params);
    let s = 11;
    const rand = (n: number) => {
      s = (Math.imul(s, 1103515245) + 12345) >>> 0;
      return (s >>> 8) % n;
    };
    const outcomes = { error: 0, short: 0, full: 0 };
    for (let k = 0; k < 300; k++) {
      const b = blocks[k % blocks.length].bytes.slice(0, 1 + rand(3000));
      for (let f = 0; f < 1 + rand(8); f++) b[rand(b.length)] = rand(256);
      try {
        const out = decodeLzw(b, cap);
        expect(out.length).toBeLessThanOrEqual(cap);
        outcomes[out.length === cap ? 'full' : 'short']++;
      } catch (e) {
        expect(isSlideError(e), String(e)).toBe(true);
        outcomes.error++;
      }
    }
    expect(outcomes.error).toBeGreaterThan(0);
    expect(outcomes.short).toBeGreaterThan(0);
    expect(decodeLzw(new Uint8Array(0), cap).length).toBe(0);
  });
});
