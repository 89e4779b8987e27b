import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { compileFrameKernel, moduleText, WASM_MODULE } from '../../../scripts/build-wasm';
import {
  type FrameFormat,
  frameToRgba,
  frameToRgbaView,
  type PlaneLayout,
  planeSizes,
} from './frame-to-rgba';

type YccFormat = Extract<FrameFormat, 'I420' | 'I444'>;
const chromaSize = (f: YccFormat, w: number, h: number) => planeSizes(f, w, h)[1];

// libjpeg-turbo's own algorithm, written out plainly from jdcolor.c (its lookup tables) and
// jdsample.c (h2v2_fancy_upsample's first/general/last-column cases): the reference the SIMD
// kernel must equal. e2e/tile-decode.spec.ts checks the same against Chromium's decoder.
const FIX = (x: number) => Math.floor(x * 65536 + 0.5);
const crR = Array.from({ length: 256 }, (_, i) => (FIX(1.402) * (i - 128) + 32768) >> 16);
const cbB = Array.from({ length: 256 }, (_, i) => (FIX(1.772) * (i - 128) + 32768) >> 16);
const crG = Array.from({ length: 256 }, (_, i) => -FIX(0.71414) * (i - 128));
const cbG = Array.from({ length: 256 }, (_, i) => -FIX(0.34414) * (i - 128) + 32768);
const limit = (v: number) => Math.min(255, Math.max(0, v));

function upsampleRowH2V2(near: number[], far: number[]): number[] {
  const n = near.length;
  const sum = (c: number) => near[c] * 3 + far[c];
  const out: number[] = [(sum(0) * 4 + 8) >> 4, (sum(0) * 3 + sum(1) + 7) >> 4];
  for (let c = 1; c < n - 1; c++)
    out.push((sum(c) * 3 + sum(c - 1) + 8) >> 4, (sum(c) * 3 + sum(c + 1) + 7) >> 4);
  out.push((sum(n - 1) * 3 + sum(n - 2) + 8) >> 4, (sum(n - 1) * 4 + 7) >> 4);
  return out;
}

function reference(
  format: YccFormat,
  w: number,
  h: number,
  data: Uint8Array,
  layout: PlaneLayout[],
  outW: number,
  outH: number,
): Uint8Array {
  const [cw, ch] = chromaSize(format, w, h);
  const row = (p: number, r: number, n: number) =>
    Array.from(
      data.subarray(layout[p].offset + r * layout[p].stride, layout[p].offset + r * layout[p].stride + n),
    );
  const chromaRow = (p: number, r: number) => {
    if (format === 'I444') return row(p, r, cw);
    const near = r >> 1;
    // row above for even output rows, below for odd ones; the image edge repeats
    const far = r % 2 ? Math.min(near + 1, ch - 1) : Math.max(near - 1, 0);
    return upsampleRowH2V2(row(p, near, cw), row(p, far, cw));
  };
  const out = new Uint8Array(outW * outH * 4);
  for (let r = 0; r < outH; r++) {
    const y = row(0, r, w);
    const cb = chromaRow(1, r);
    const cr = chromaRow(2, r);
    for (let x = 0; x < outW; x++) {
      const o = (r * outW + x) * 4;
      out[o] = limit(y[x] + crR[cr[x]]);
      out[o + 1] = limit(y[x] + ((cbG[cb[x]] + crG[cr[x]]) >> 16));
      out[o + 2] = limit(y[x] + cbB[cb[x]]);
      out[o + 3] = 255;
    }
  }
  return out;
}

/** Random planes with padded strides, laid out as VideoFrame.copyTo might. */
function planes(format: YccFormat, w: number, h: number, seed: number) {
  const [cw, ch] = chromaSize(format, w, h);
  const yStride = w + 5;
  const cStride = cw + 3;
  const layout = [
    { offset: 7, stride: yStride },
    { offset: 7 + yStride * h, stride: cStride },
    { offset: 7 + yStride * h + cStride * ch, stride: cStride },
  ];
  const data = new Uint8Array(layout[2].offset + cStride * ch);
  let s = seed;
  for (let i = 0; i < data.length; i++) {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    data[i] = s >>> 24;
  }
  return { format, width: w, height: h, data, layout };
}

describe('frameToRgba (wasm kernel)', () => {
  const cases: [YccFormat, number, number, number, number][] = [
    ['I420', 256, 256, 256, 256],
    ['I420', 512, 512, 512, 512],
    ['I420', 256, 256, 100, 37], // an edge tile stored padded
    ['I420', 255, 253, 255, 253], // odd sizes: the last chroma sample covers one pixel
    ['I420', 9, 7, 9, 7],
    ['I444', 256, 256, 256, 256],
    ['I444', 131, 3, 130, 2],
  ];
  for (const [format, w, h, outW, outH] of cases) {
    it(`${format} ${w}×${h} → ${outW}×${outH} equals libjpeg's upsampling and colour conversion`, () => {
      const p = planes(format, w, h, w * 31 + h);
      const got = frameToRgba(p, outW, outH);
      const want = reference(format, w, h, p.data, p.layout, outW, outH);
      expect(got.length).toBe(want.length);
      let mismatches = 0;
      for (let i = 0; i < want.length; i++) if (got[i] !== want[i]) mismatches++;
      expect(mismatches).toBe(0);
    });
  }

  for (const format of ['RGBX', 'BGRX', 'BGRA'] as const) {
    it(`${format} rows → RGBA: channels reordered, alpha opaque, padded stride and crop honoured`, () => {
      const [w, h, outW, outH, stride] = [37, 5, 30, 4, 37 * 4 + 12];
      const data = Uint8Array.from({ length: stride * h }, (_, i) => (i * 37 + 11) & 255);
      const got = frameToRgba(
        { format, width: w, height: h, data, layout: [{ offset: 0, stride }] },
        outW,
        outH,
      );
      const bgr = format.startsWith('B');
      for (let r = 0; r < outH; r++)
        for (let x = 0; x < outW; x++) {
          const s = r * stride + x * 4;
          const o = (r * outW + x) * 4;
          expect([got[o], got[o + 1], got[o + 2], got[o + 3]]).toEqual(
            bgr ? [data[s + 2], data[s + 1], data[s], 255] : [data[s], data[s + 1], data[s + 2], 255],
          );
        }
    });
  }

  it('a view is overwritten by the next call; yccToRgba returns a copy', () => {
    const a = planes('I420', 64, 64, 1);
    const b = planes('I420', 64, 64, 2);
    const copy = frameToRgba(a);
    const view = frameToRgbaView(a);
    expect(Array.from(view)).toEqual(Array.from(copy));
    frameToRgbaView(b);
    expect(Array.from(view)).not.toEqual(Array.from(copy));
  });

  it('refuses planes that do not fit their buffer, and outputs larger than the image', () => {
    const p = planes('I420', 64, 64, 3);
    expect(() => frameToRgba({ ...p, data: p.data.subarray(0, 5000) })).toThrow(/plane/);
    expect(() => frameToRgba(p, 65, 64)).toThrow(/not within/);
  });

  it('the committed module is what the AssemblyScript source compiles to', async () => {
    const fresh = moduleText(await compileFrameKernel());
    expect(readFileSync(WASM_MODULE, 'utf8'), 'run `npm run wasm` and commit the result').toBe(fresh);
  }, 30_000);
});
