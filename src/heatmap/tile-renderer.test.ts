import { describe, expect, it } from 'vitest';
import { colormapLut, legendData, lutColor, parseCssColor } from './colormap';
import { decodeProbability, encodeProbability, ProbabilityStore } from './probability-store';
import { cellRange, fillStore } from './store.fixture';
import { differenceSampler, osdLevelDownsample, renderTile, storeSampler, tileRegion } from './tile-renderer';

const newStore = (id: string) =>
  new ProbabilityStore({ modelId: id, targetMpp: 1, slideMpp: 0.5, targetSize: 64, margin: 8 });
// disc of probability 0.9 (radius 300 level-0 px at (500, 500)) on 0.1
const disc = (x: number, y: number) => ((x - 500) ** 2 + (y - 500) ** 2 < 300 ** 2 ? 0.9 : 0.1);

describe('heatmap tiles', () => {
  const store = newStore('unet');
  fillStore(store, cellRange(0, 0, 11, 11), disc); // level-0 [0, 1056)²

  it('colours analysed pixels with the colormap and leaves the rest transparent', () => {
    const lut = colormapLut('inferno');
    const tile = renderTile(storeSampler(store), tileRegion(0, 0, 256, 8), {
      colormap: 'inferno',
      opacity: 0.5,
    });
    const at = (i: number, j: number) =>
      Array.from(tile.data.subarray((j * 256 + i) * 4, (j * 256 + i) * 4 + 4));
    const q = (p: number) => decodeProbability(encodeProbability(p)); // the store keeps bytes
    expect(at(62, 62)).toEqual([...lutColor(lut, q(0.9)), 128]); // level-0 ≈ (500, 500)
    expect(at(5, 5)).toEqual([...lutColor(lut, q(0.1)), 128]);
    expect(at(200, 200)[3]).toBe(0); // level-0 1604: beyond the analysed cells
  });

  it('draws the threshold outline continuously across tile boundaries', () => {
    const style = {
      colormap: 'viridis' as const,
      opacity: 0.6,
      threshold: 0.5,
      outlineColor: [0, 255, 0] as [number, number, number],
    };
    const big = renderTile(
      storeSampler(store),
      { x: 0, y: 0, width: 256, height: 256, downsample: 4 },
      style,
    );
    const parts = [0, 1].flatMap((r) =>
      [0, 1].map((c) => ({ c, r, t: renderTile(storeSampler(store), tileRegion(c, r, 128, 4), style) })),
    );
    for (const { c, r, t } of parts) {
      for (let j = 0; j < 128; j++) {
        const a = ((r * 128 + j) * 256 + c * 128) * 4;
        const row = Buffer.from(t.data.subarray(j * 512, (j + 1) * 512));
        expect(row.equals(Buffer.from(big.data.subarray(a, a + 512)))).toBe(true);
      }
    }
    // outline pixels sit at radius ≈ 300 level-0 px = 75 tile px from (125, 125)
    let outline = 0;
    for (let j = 0; j < 256; j++) {
      for (let i = 0; i < 256; i++) {
        const k = (j * 256 + i) * 4;
        if (big.data[k] === 0 && big.data[k + 1] === 255 && big.data[k + 3] === 255) {
          outline++;
          expect(Math.abs(Math.hypot((i + 0.5) * 4 - 500, (j + 0.5) * 4 - 500) - 300)).toBeLessThan(8);
        }
      }
    }
    // a 4-connected digital circle of radius 75 has ≈ 4√2·75 ≈ 424 boundary pixels
    expect(outline).toBeGreaterThan(5 * 70);
  });

  it('renders MRN − U-Net on a diverging map: red where MRN is higher, blue where lower', () => {
    const mrn = newStore('mrn');
    fillStore(mrn, cellRange(0, 0, 11, 11), (x, y) =>
      x < 500 ? Math.min(1, disc(x, y) + 0.5) : disc(x, y) * 0.2,
    );
    const tile = renderTile(differenceSampler(mrn, store), tileRegion(0, 0, 256, 4), {
      colormap: 'RdBu',
      opacity: 1,
      domain: [-1, 1],
    });
    const px = (x: number, y: number) =>
      Array.from(tile.data.subarray((y * 256 + x) * 4, (y * 256 + x) * 4 + 3));
    const [r1, , b1] = px(30, 125); // MRN higher
    const [r2, , b2] = px(200, 125); // MRN lower
    expect(r1).toBeGreaterThan(b1);
    expect(b2).toBeGreaterThan(r2);
  });

  it('maps OSD levels and builds legend data', () => {
    expect(osdLevelDownsample(12, 12)).toBe(1);
    expect(osdLevelDownsample(9, 12)).toBe(8);
    expect(parseCssColor('rgb(5, 10, 255)')).toEqual([5, 10, 255]);
    const legend = legendData('inferno', { threshold: 0.5 });
    expect(legend.stops).toHaveLength(11);
    expect(legend.stops[0].color).toBe('#000004');
    expect(legend.gradient).toMatch(/^linear-gradient\(to right, #000004 0.0%/);
    expect(legendData('RdBu').min).toBe(-1);
  });
});
