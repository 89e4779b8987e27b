import { describe, expect, it } from 'vitest';
import { glandBorders } from './gland-borders';
import { labelImage } from './label-image';

/** rows of digits → a label image */
function parse(rows: string[]) {
  return labelImage(rows[0].length, rows.length, rows.join('').split('').map(Number));
}
function show(b: Uint8Array, w: number) {
  const rows: string[] = [];
  for (let i = 0; i < b.length; i += w) rows.push([...b.subarray(i, i + w)].join(''));
  return rows;
}

describe('glandBorders', () => {
  it('marks the inner band of a lone gland, not its inside nor the background', () => {
    const m = parse(['0000000', '0111110', '0111110', '0111110', '0111110', '0111110', '0000000']);
    expect(show(glandBorders(m, 1), 7)).toEqual([
      '0000000',
      '0111110',
      '0100010',
      '0100010',
      '0100010',
      '0111110',
      '0000000',
    ]);
  });

  it('marks both sides of two touching glands and the gap between two near ones', () => {
    // glands 1 and 2 touch at columns 2|3; glands 2 and 3 are one background column apart
    const m = parse(['1112203333', '1112203333', '1112203333']);
    const b = show(glandBorders(m, 1), 10);
    // columns 2 (1 beside 2), 3 (2 beside 1), 4 (2 beside 0), 5 (gap between 2 and 3), 6 (3 beside
    // 0); the image's own edge is not an outline
    for (const row of b) expect(row).toBe('0011111000');
  });

  it('a background pixel near one gland only is not border', () => {
    const m = parse(['000', '010', '000']);
    expect(show(glandBorders(m, 1), 3)).toEqual(['000', '010', '000']);
  });

  it('refuses a radius out of range', () => {
    const m = parse(['0']);
    expect(() => glandBorders(m, 0)).toThrow(/radius/);
    expect(() => glandBorders(m, 1.5)).toThrow(/radius/);
    expect(() => glandBorders(m, 99)).toThrow(/radius/);
  });
});
