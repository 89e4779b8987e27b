import { describe, expect, it } from 'vitest';
import { syntheticSource } from '../../src/slide/synthetic-source.fixture';
import { predictImage, toImagePixels } from './predict-image';

describe('predictImage (viewer tiling, every channel stitched)', () => {
  it('puts each kept output pixel where its input pixel came from', async () => {
    // red encodes x, green y: an identity "model" must give them back at the target grid
    const W = 200;
    const H = 120;
    const src = syntheticSource(W, H, (x, y) => [x, y, 0], { mpp: 0.5 });
    const g = { targetSize: 32, targetMpp: 1 };
    const norm = {
      scale: 1,
      mean: [0, 0, 0] as [number, number, number],
      std: [1, 1, 1] as [number, number, number],
    };
    const maps = await predictImage(
      src,
      0.5,
      g,
      { target: norm },
      {
        batchSize: 4,
        channels: 2,
        async predict(target) {
          const out = new Float32Array((target.length / 3) * 2);
          for (let p = 0; p < target.length / 3; p++) {
            out[p * 2] = target[p * 3];
            out[p * 2 + 1] = target[p * 3 + 1];
          }
          return out;
        },
      },
      4,
    );
    expect([maps.width, maps.height, maps.downsample]).toEqual([100, 60, 2]);
    for (const [u, v] of [
      [0, 0],
      [37, 11],
      [99, 59],
      [50, 30],
    ]) {
      // map pixel (u, v) = the 2×2 box of level-0 pixels from (2u, 2v): mean x = 2u + 0.5, as a byte
      expect(Math.abs(maps.channels[0][v * 100 + u] - (2 * u + 0.5))).toBeLessThanOrEqual(0.5);
      expect(Math.abs(maps.channels[1][v * 100 + u] - (2 * v + 0.5))).toBeLessThanOrEqual(0.5);
    }
    const full = toImagePixels(maps.channels[0], maps, W, H);
    expect(Math.abs(full[5 * W + 7] - 6.5)).toBeLessThanOrEqual(0.5);
  });
});
