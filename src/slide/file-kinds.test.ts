import { encode } from 'fast-png';
import { describe, expect, it } from 'vitest';
import { sortFiles } from './file-kinds';

const png = (channels: 1 | 3, name: string) =>
  new File([encode({ width: 4, height: 2, data: new Uint8Array(4 * 2 * channels), channels }).slice()], name);

describe('sortFiles: label masks and Grade.csv beside a slide', () => {
  it('a greyscale PNG beside an RGB image of the same name is its mask; Grade.csv is grades', async () => {
    const img = png(3, 'testA_1.png');
    const mask = png(1, 'testA_1.png');
    const csv = new File(['name,patient_id,grade_glas\n'], 'Grade.csv');
    const s = await sortFiles([mask, img, csv]);
    expect(s.conflict).toBeNull();
    expect(s.slide).toEqual([img]);
    expect(s.masks).toEqual([mask]);
    expect(s.grades).toEqual([csv]);
  });

  it('names say mask (mask/ folder, *_mask.tif); a lone grey PNG is a slide; two RGB images conflict', async () => {
    const tif = new File([new Uint8Array([0x49, 0x49, 42, 0, 8, 0, 0, 0])], 'case_mask.tif');
    const s = await sortFiles([png(3, 'case.png'), tif]);
    expect(s.masks.map((f) => f.name)).toEqual(['case_mask.tif']);
    expect((await sortFiles([png(1, 'grey.png')])).slide.map((f) => f.name)).toEqual(['grey.png']);
    expect((await sortFiles([png(3, 'a.png'), png(3, 'b.png')])).conflict).toMatch(/2 different slides/);
  });
});
