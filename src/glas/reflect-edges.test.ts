import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { contextRegion, type PatchGeometry } from '../geometry/patch-geometry';
import { openBytes } from '../slide/test-helpers';
import { classPatch } from './glas-patches';
import { isEdgeMode, reflectEdges, reflectIndex, withEdges } from './reflect-edges';

describe('reflectIndex', () => {
  it('mirrors without repeating the edge pixel, for any overshoot', () => {
    expect([-3, -2, -1, 0, 1, 4, 5, 6, 7].map((p) => reflectIndex(p, 5))).toEqual([
      3, 2, 1, 0, 1, 4, 3, 2, 1,
    ]);
    expect(reflectIndex(-9, 5)).toBe(1); // twice over: −9 → 9 → −1 → 1
    expect(reflectIndex(12, 5)).toBe(4);
    expect(reflectIndex(-4, 1)).toBe(0);
  });

  it('knows the modes', () => {
    expect(['pad', 'reflect', 'wrap', undefined].map(isEdgeMode)).toEqual([true, true, false, false]);
  });
});

describe('reflectEdges', () => {
  // a 60×40 PNG whose pixel (x, y) codes its own position, opened by the app's reader
  const W = 60;
  const H = 40;
  const rgb = Buffer.alloc(W * H * 3);
  for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) rgb.set([x * 4, y * 6, 100], (y * W + x) * 3);
  const png = sharp(rgb, { raw: { width: W, height: H, channels: 3 } })
    .png()
    .toBuffer();

  it('keeps the reader’s pixels inside and mirrors them outside, at level 0 and downsampled', async () => {
    const source = await openBytes(await png, 'pos.png');
    const reflected = reflectEdges(source);
    for (const d of [1, 2]) {
      // a region reaching 8 px past the left and top edges (and past the right edge at d = 2)
      const r = { x: -8, y: -8, width: 40, height: 30, downsample: d };
      const plain = await source.readRegion(r);
      const out = await reflected.readRegion(r);
      expect([out.width, out.height]).toEqual([plain.width, plain.height]);
      const full = await source.readRegion({ x: 0, y: 0, width: W / d, height: H / d, downsample: d });
      let outside = 0;
      for (let j = 0; j < out.height; j++)
        for (let i = 0; i < out.width; i++) {
          const x = Math.floor(r.x + (i + 0.5) * d);
          const y = Math.floor(r.y + (j + 0.5) * d);
          const o = (j * out.width + i) * 4;
          const got = [...out.data.subarray(o, o + 4)];
          if (x >= 0 && x < W && y >= 0 && y < H) {
            expect(got).toEqual([...plain.data.subarray(o, o + 4)]);
            continue;
          }
          outside++;
          const s =
            (Math.floor(reflectIndex(y, H) / d) * full.width + Math.floor(reflectIndex(x, W) / d)) * 4;
          expect(got).toEqual([...full.data.subarray(s, s + 4)]);
          expect(got).not.toEqual([255, 255, 255, 255]); // the pad's white is gone
        }
      expect(outside).toBeGreaterThan(0);
    }
    expect(withEdges(source, 'pad')).toBe(source);
    // a region inside is the reader's own
    const inside = { x: 4, y: 4, width: 20, height: 10, downsample: 1 };
    expect(await reflected.readRegion(inside)).toEqual(await source.readRegion(inside));
    reflected.close();
  });

  it('labels agree with the mirrored pixels (classPatch, reflect)', async () => {
    const source = reflectEdges(await openBytes(await png, 'pos.png'));
    // classes = the pixel's column (its red channel / 4)
    const classes = new Uint8Array(W * H);
    for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) classes[y * W + x] = x;
    const g: PatchGeometry = { targetSize: 16, targetMpp: 1, contextSize: 16, contextMpp: 4 };
    const c = contextRegion({ x: 3, y: 20 }, g, 1); // 64 level-0 px wide around x = 3
    const img = await source.readRegion(c);
    const labels = classPatch(classes, W, H, c, 'reflect');
    const pad = classPatch(classes, W, H, c, 'pad');
    let mirrored = 0;
    for (let k = 0; k < labels.length; k++) {
      const x = Math.floor(c.x + ((k % c.width) + 0.5) * c.downsample);
      if (x < 0) {
        mirrored++;
        expect(pad[k]).toBe(0);
      }
      expect(labels[k]).toBe(reflectIndex(x, W));
    }
    expect(mirrored).toBeGreaterThan(0);
    expect(img.width).toBe(16);
    source.close();
  });
});
