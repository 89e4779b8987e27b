import { describe, expect, it } from 'vitest';
import { TissueClass } from './classify';
import { buildLayout } from './layout';
import { paintStrip } from './paint';
import { depthInside } from './shape';

const layout = buildLayout({ seed: 1000, sizeMm: 4 });
const W = layout.width;

interface Stats {
  n: number;
  mean: number[];
  std: number[];
  /** share of nucleus-dark pixels */
  dark: number;
}

function stats(samples: number[][]): Stats {
  const n = samples.length;
  const mean = [0, 1, 2].map((k) => samples.reduce((a, s) => a + s[k], 0) / n);
  const std = [0, 1, 2].map((k) => Math.sqrt(samples.reduce((a, s) => a + (s[k] - mean[k]) ** 2, 0) / n));
  const dark = samples.filter((s) => 0.3 * s[0] + 0.59 * s[1] + 0.11 * s[2] < 150).length / n;
  return { n, mean, std, dark };
}

/** Paints a band of rows through each object of a kind and collects interior and rim pixels. */
function collect(kind: 'tumour' | 'lookalike', maxObjects: number) {
  const interior: number[][] = [];
  const rim: number[][] = [];
  const rows = 64;
  for (const o of layout.objects.filter((x) => x.kind === kind).slice(0, maxObjects)) {
    const y0 = Math.round(o.shape.cy - rows / 2);
    const out = new Uint8Array(W * rows * 3);
    const cls = new Uint8Array(W * rows);
    paintStrip(layout, y0, rows, out, cls);
    for (let r = 0; r < rows; r++) {
      for (let x = Math.floor(o.shape.cx - o.outer); x < o.shape.cx + o.outer; x++) {
        const depth = depthInside(o.shape, x + 0.5, y0 + r + 0.5);
        const i = r * W + x;
        const px = [out[i * 3], out[i * 3 + 1], out[i * 3 + 2]];
        // 10 µm clear of the outline, so rim nuclei do not bleed in
        if (depth > 10 / layout.mpp) {
          expect(cls[i]).toBe(TissueClass.interior);
          interior.push(px);
        } else if (depth < -4 / layout.mpp && depth > -o.rim + 4 / layout.mpp) {
          rim.push(px);
        }
      }
    }
  }
  return { interior: stats(interior), rim: stats(rim) };
}

describe('synthetic painting', () => {
  const tumour = collect('tumour', 4);
  const lookalike = collect('lookalike', 12);

  it('gives tumour and look-alike interiors the same colour statistics', () => {
    expect(tumour.interior.n).toBeGreaterThan(20_000);
    expect(lookalike.interior.n).toBeGreaterThan(20_000);
    for (let k = 0; k < 3; k++) {
      expect(Math.abs(tumour.interior.mean[k] - lookalike.interior.mean[k])).toBeLessThan(3);
      expect(tumour.interior.std[k] / lookalike.interior.std[k]).toBeGreaterThan(0.9);
      expect(tumour.interior.std[k] / lookalike.interior.std[k]).toBeLessThan(1.1);
    }
    expect(Math.abs(tumour.interior.dark - lookalike.interior.dark)).toBeLessThan(0.03);
  });

  it('gives their rims clearly different looks', () => {
    const lum = (s: Stats) => 0.3 * s.mean[0] + 0.59 * s.mean[1] + 0.11 * s.mean[2];
    // desmoplastic rim pale and nearly nucleus-free; mantle dark and packed
    expect(lum(tumour.rim) - lum(lookalike.rim)).toBeGreaterThan(30);
    expect(lookalike.rim.dark - tumour.rim.dark).toBeGreaterThan(0.3);
  });

  it('paints a strip the same whether alone or within a larger one', () => {
    const y = Math.round(layout.objects[0].shape.cy);
    const big = new Uint8Array(W * 96 * 3);
    paintStrip(layout, y - 32, 96, big);
    const small = new Uint8Array(W * 16 * 3);
    paintStrip(layout, y, 16, small);
    expect(Buffer.from(small).equals(Buffer.from(big.subarray(32 * W * 3, 48 * W * 3)))).toBe(true);
  });
});
