import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { bmpOf } from '../../scripts/fixtures/plain-fixtures';
import { sharedAvailable, sharedPath } from '../util/node/shared-data';
import { probePlainImage } from './plain-image-probe';
import { isSlideError, type SlideError } from './slide-error';
import { sidecarMpp, sidecarPathFor } from './slide-sidecar';
import { openBytes, openPath } from './test-helpers';

const GLAS = sharedPath('glas', 'train', 'img');
const haveGlas = sharedAvailable('GlaS images as plain-image slides', 'glas') && existsSync(GLAS);

/** A w×h RGB pattern, the same for every format. */
function pattern(w: number, h: number): Buffer {
  const b = Buffer.alloc(w * h * 3);
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) b.set([(x * 7) & 255, (y * 5) & 255, ((x + y) * 3) & 255], (y * w + x) * 3);
  return b;
}

async function rgbaOf(s: Awaited<ReturnType<typeof openBytes>>) {
  const { width, height } = s.metadata;
  return s.readRegion({ x: 0, y: 0, width, height, downsample: 1 });
}

describe('plain images open as one-level slides', () => {
  const W = 700;
  const H = 530;
  const rgb = pattern(W, H);

  it('PNG and BMP decode to exactly their pixels; coarser levels are synthetic', async () => {
    const png = new Uint8Array(
      await sharp(rgb, { raw: { width: W, height: H, channels: 3 } })
        .png()
        .toBuffer(),
    );
    for (const [file, bytes] of [
      ['p.png', png],
      ['p.bmp', bmpOf(W, H, rgb)],
    ] as const) {
      const s = await openBytes(bytes, file);
      const m = s.metadata;
      expect(m.format).toBe('plain-image');
      expect(m.compression).toBe(file.endsWith('png') ? 'PNG' : 'BMP');
      expect([m.width, m.height]).toEqual([W, H]);
      expect(m.levels.map((l) => [l.width, l.synthetic])).toEqual([
        [700, false],
        [350, true],
      ]);
      expect(m.mpp).toBeNull();
      const img = await rgbaOf(s);
      let diff = 0;
      for (let i = 0; i < W * H; i++)
        for (let c = 0; c < 3; c++) diff = Math.max(diff, Math.abs(img.data[i * 4 + c] - rgb[i * 3 + c]));
      expect(diff).toBe(0);
      const coarse = await s.getTile({ level: 1, x: 0, y: 0 });
      expect([coarse.width, coarse.height]).toEqual([350, 265]);
      s.close();
    }
  });

  it('JPEG and WebP match sharp decoding the same file', async () => {
    const raw = sharp(rgb, { raw: { width: W, height: H, channels: 3 } });
    for (const [file, bytes] of [
      ['p.jpg', await raw.clone().jpeg({ quality: 90 }).toBuffer()],
      ['p.webp', await raw.clone().webp({ quality: 90 }).toBuffer()],
    ] as const) {
      const s = await openBytes(new Uint8Array(bytes), file);
      expect(s.metadata.compression).toBe(file.endsWith('jpg') ? 'JPEG' : 'WebP');
      const img = await rgbaOf(s);
      const ref = await sharp(bytes).removeAlpha().raw().toBuffer();
      let diff = 0;
      for (let i = 0; i < W * H; i++)
        for (let c = 0; c < 3; c++) diff = Math.max(diff, Math.abs(img.data[i * 4 + c] - ref[i * 3 + c]));
      expect(diff).toBe(0);
      s.close();
    }
  });

  it('reads the size from every header without decoding', async () => {
    const raw = sharp(rgb, { raw: { width: W, height: H, channels: 3 } });
    for (const [kind, bytes] of [
      ['png', await raw.clone().png().toBuffer()],
      ['jpeg', await raw.clone().jpeg().toBuffer()],
      ['webp', await raw.clone().webp().toBuffer()],
      ['webp', await raw.clone().webp({ lossless: true }).toBuffer()],
      ['bmp', Buffer.from(bmpOf(W, H, rgb))],
    ] as const) {
      expect(probePlainImage(new Uint8Array(bytes), kind)).toEqual({ kind, width: W, height: H });
    }
  });

  it('an image larger than the viewer decodes at once is refused, naming the limit', async () => {
    const png = Buffer.from(
      await sharp(rgb, { raw: { width: W, height: H, channels: 3 } })
        .png()
        .toBuffer(),
    );
    png.writeUInt32BE(100_000, 16); // IHDR width/height: the CRC is not checked before the size
    png.writeUInt32BE(100_000, 20);
    const e = (await openBytes(new Uint8Array(png), 'huge.png').catch((x: unknown) => x)) as SlideError;
    expect(isSlideError(e)).toBe(true);
    expect(e.code).toBe('allocation-limit');
    expect(e.message).toMatch(
      /100000×100000 PNG image .*most this viewer decodes at once is 67\.1 megapixels/,
    );
  });

  it('mpp comes from the <name>.json sidecar', async () => {
    expect(sidecarPathFor('https://h/a/slide.v2.png?x=1')).toBe('https://h/a/slide.v2.json');
    expect(sidecarMpp('{"mpp": 0.62, "note": "GlaS"}')).toBe(0.62);
    expect(sidecarMpp('{"mpp": -1}')).toBeNull();
    expect(sidecarMpp('not json')).toBeNull();
    for (const bad of ['[0.5]', '{"mpp": "0.5"}', '{"mpp": 1001}', '{"mpp": 0}', 'null', '0.5'])
      expect(sidecarMpp(bad), bad).toBeNull();
    expect(sidecarMpp('{"mpp": 1000}')).toBe(1000);
    const dir = mkdtempSync(join(tmpdir(), 'mrn-plain-'));
    const png = await sharp(rgb, { raw: { width: W, height: H, channels: 3 } })
      .png()
      .toBuffer();
    writeFileSync(join(dir, 'tissue.png'), png);
    writeFileSync(join(dir, 'tissue.json'), '{"mpp": 0.5}');
    const s = await openPath(join(dir, 'tissue.png'));
    expect([s.metadata.mpp, s.metadata.mppSource]).toEqual([0.5, 'sidecar']);
    s.close();
  });
});

describe.skipIf(!haveGlas)('GlaS images (../shared/glas)', () => {
  it('open as plain-image slides with the pixels of an independent PNG decoder', async () => {
    const file = readdirSync(GLAS).find((f) => f.endsWith('.png'))!;
    const bytes = new Uint8Array(readFileSync(join(GLAS, file)));
    const s = await openBytes(bytes, file, { sidecar: async () => '{"mpp": 0.62}' });
    const m = s.metadata;
    expect(m.format).toBe('plain-image');
    expect(m.mpp).toBe(0.62);
    const img = await rgbaOf(s);
    const ref = await sharp(bytes).removeAlpha().raw().toBuffer({ resolveWithObject: true });
    expect([m.width, m.height]).toEqual([ref.info.width, ref.info.height]);
    let diff = 0;
    for (let i = 0; i < m.width * m.height; i++)
      for (let c = 0; c < 3; c++) diff = Math.max(diff, Math.abs(img.data[i * 4 + c] - ref.data[i * 3 + c]));
    expect(diff).toBe(0);
    s.close();
  });
});
