import { encode } from 'fast-png';
import { describe, expect, it } from 'vitest';
import { parseLabelMaskPng } from './label-mask';

const mask = (w: number, h: number, on: number[]) => {
  const data = new Uint8Array(w * h);
  for (const i of on) data[i] = 3; // instance label 3: any non-zero is positive
  return encode({ width: w, height: h, data, channels: 1 });
};

describe('label-mask ground truth', () => {
  it('is gland truth as given, and tumour truth only on a malignant image', () => {
    const png = mask(4, 2, [1, 6]);
    const g = parseLabelMaskPng(png, 'm.png', { width: 4, height: 2 }, 'gland', 'benign');
    expect([...g.data]).toEqual([0, 1, 0, 0, 0, 0, 1, 0]);
    expect(parseLabelMaskPng(png, 'm.png', { width: 4, height: 2 }, 'tumour', 'benign').positives).toBe(0);
    expect(parseLabelMaskPng(png, 'm.png', { width: 4, height: 2 }, 'tumour', 'malignant').positives).toBe(2);
  });

  it('accepts an integer downsample and names the file when the mask does not fit the slide', () => {
    expect(parseLabelMaskPng(mask(4, 2, []), 'm.png', { width: 8, height: 4 }, 'gland').cell).toBe(2);
    expect(() => parseLabelMaskPng(mask(4, 2, []), 'm.png', { width: 10, height: 4 }, 'gland')).toThrow(
      /m\.png: a 4×2 mask is not aligned to the 10×4 slide/,
    );
    expect(() =>
      parseLabelMaskPng(new Uint8Array([1, 2, 3]), 'x.png', { width: 4, height: 2 }, 'gland'),
    ).toThrow(/x\.png: not a PNG/);
  });
});

describe('label masks as TIFF', () => {
  it('reads a TIFF mask like a PNG one; other bytes are refused naming the file', async () => {
    const { writeArrayBuffer } = await import('geotiff');
    const values = new Uint8Array([0, 5, 0, 0, 0, 0, 7, 0]);
    const buf = await writeArrayBuffer(values, { width: 4, height: 2 } as never);
    const { parseLabelMask } = await import('./label-mask');
    const grid = await parseLabelMask(new Uint8Array(buf), 'm.tif', { width: 4, height: 2 });
    expect([...grid.data]).toEqual([0, 1, 0, 0, 0, 0, 1, 0]);
    expect(grid.positives).toBe(2);
    await expect(parseLabelMask(new Uint8Array(16), 'x.bin', { width: 4, height: 2 })).rejects.toThrow(
      'x.bin: not a PNG or TIFF label mask',
    );
  });
});
