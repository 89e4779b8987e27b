import { describe, expect, it } from 'vitest';
import { drawnLevel, firstViewLevel } from './first-view-level';

// the CMU SVS: one native level, four synthetic ones (downsample 2, 4, 8, 16)
const svs = [1, 2, 4, 8, 16].map((downsample, i) => ({ downsample, synthetic: i > 0 }));
// a TIFF pyramid with native levels at 1, 4, 16 and synthetic 2x steps between them
const pyramid = [1, 4, 16, 32].map((downsample, i) => ({ downsample, synthetic: i === 3 }));

describe('drawnLevel', () => {
  it('picks the finest level whose pixels are at least half a screen pixel', () => {
    // home view of the SVS at 1440×900: 900 / 2967 screen px per level-0 px
    const home = 900 / 2967;
    expect(drawnLevel(svs, home, 0.5)).toBe(1); // 0.61 px per level-1 pixel
    expect(drawnLevel(svs, 0.25, 0.5)).toBe(1); // exactly 0.5
    expect(drawnLevel(svs, 0.24, 0.5)).toBe(2);
    expect(drawnLevel(svs, 1, 0.5)).toBe(0);
  });

  it('falls back to the coarsest level when none is fine enough', () => {
    expect(drawnLevel(svs, 0.001, 0.5)).toBe(4);
  });
});

describe('firstViewLevel', () => {
  it('loads the drawn level alone when every coarser level is synthetic', () => {
    expect(firstViewLevel(svs, 900 / 2967, 0.5)).toBe(1);
    expect(firstViewLevel(svs, 2, 0.5)).toBe(0);
  });

  it('keeps the coarse-to-fine loading when a coarser level is native', () => {
    expect(firstViewLevel(pyramid, 1, 0.5)).toBeNull(); // levels 1 and 2 are native
    expect(firstViewLevel(pyramid, 0.1, 0.5)).toBe(2); // only level 3, synthetic, is coarser
  });

  it('has nothing to skip at the coarsest level or at a zoom it cannot use', () => {
    expect(firstViewLevel(svs, 0.001, 0.5)).toBeNull();
    expect(firstViewLevel(svs, 0, 0.5)).toBeNull();
    expect(firstViewLevel(svs, Number.NaN, 0.5)).toBeNull();
  });
});
