import { describe, expect, it } from 'vitest';
import { connectedComponents } from './connected-components';
import { squaredDistanceTransform } from './distance-transform';
import { fillHoles, glandInstances } from './gland-instances';
import { paint } from './glas-test-shapes.fixture';
import { binaryImage } from './label-image';

function count(labels: { data: Int32Array }): number {
  return new Set(labels.data).size - 1;
}

describe('glandInstances', () => {
  // two glands touching through a 3 px neck, and a 2 px speck
  const touching = paint(60, 30, [
    [1, { disc: [15, 15, 10] }],
    [1, { disc: [42, 15, 10] }],
    [1, { rect: [24, 14, 10, 3] }],
    [1, { rect: [55, 2, 2, 1] }],
  ]);
  const prob = Float32Array.from(touching.data, (v) => (v ? 0.9 : 0.1));

  it('merges touching glands with seedRadius 0 (threshold + connected components)', () => {
    const plain = glandInstances(prob, 60, 30, { seedRadius: 0, minArea: 1 });
    expect(count(plain)).toBe(2); // the joined pair and the speck
    expect(count(connectedComponents(touching).labels)).toBe(2);
  });

  it('splits them at the neck with markers, keeps every foreground pixel, drops specks', () => {
    const split = glandInstances(prob, 60, 30, { seedRadius: 3, minArea: 10 });
    expect(count(split)).toBe(2);
    expect(split.data[15 * 60 + 15]).not.toBe(split.data[15 * 60 + 42]);
    const kept = split.data.reduce((n, v) => n + (v ? 1 : 0), 0);
    const fg = touching.data.reduce((n, v) => n + (v ? 1 : 0), 0);
    expect(kept).toBe(fg - 2);
  });
});

describe('glandInstances with a border channel', () => {
  // two glands side by side with no background between them: one 40×20 block of foreground, which
  // no erosion splits; the model's border channel marks their shared outline (columns 24-25)
  const W = 50;
  const H = 30;
  const prob = new Float32Array(W * H).fill(0.1);
  const border = new Float32Array(W * H).fill(0.05);
  for (let y = 5; y < 25; y++) for (let x = 5; x < 45; x++) prob[y * W + x] = 0.9;
  for (let y = 5; y < 25; y++) for (const x of [24, 25]) border[y * W + x] = 0.8;

  it('splits touching glands along the border the model drew, keeping every foreground pixel', () => {
    expect(count(glandInstances(prob, W, H, { seedRadius: 6, minArea: 1 }))).toBe(1);
    const split = glandInstances(prob, W, H, { seedRadius: 0, minArea: 1, borderThreshold: 0.5 }, border);
    expect(count(split)).toBe(2);
    expect(split.data[15 * W + 10]).not.toBe(split.data[15 * W + 40]);
    expect(split.data.reduce((n, v) => n + (v ? 1 : 0), 0)).toBe(40 * 20);
    // the border band goes to the nearer marker: column 24 left, column 25 right
    expect(split.data[15 * W + 24]).toBe(split.data[15 * W + 10]);
    expect(split.data[15 * W + 25]).toBe(split.data[15 * W + 40]);
  });

  it('a border threshold above the border channel changes nothing', () => {
    const a = glandInstances(prob, W, H, { seedRadius: 0, minArea: 1 });
    const b = glandInstances(prob, W, H, { seedRadius: 0, minArea: 1, borderThreshold: 0.9 }, border);
    expect([...b.data]).toEqual([...a.data]);
  });

  it('drops markers under minMarkerArea before they grow: a sliver joins its neighbour', () => {
    // a second border line at column 8 cuts a 3 px sliver (columns 5-7) off the left gland
    const cut = Float32Array.from(border, (v, i) => (i % W === 8 && i >= 5 * W && i < 25 * W ? 0.8 : v));
    const sliver = glandInstances(prob, W, H, { seedRadius: 0, minArea: 1, borderThreshold: 0.5 }, cut);
    expect(count(sliver)).toBe(3);
    const kept = glandInstances(
      prob,
      W,
      H,
      { seedRadius: 0, minArea: 1, borderThreshold: 0.5, minMarkerArea: 100 },
      cut,
    );
    expect(count(kept)).toBe(2);
    expect(kept.data[15 * W + 6]).toBe(kept.data[15 * W + 15]);
    expect(kept.data.reduce((n, v) => n + (v ? 1 : 0), 0)).toBe(40 * 20);
  });

  it('refuses a border threshold without a border map', () => {
    expect(() => glandInstances(prob, W, H, { borderThreshold: 0.5 })).toThrow(/no border channel/);
  });
});

describe('squaredDistanceTransform', () => {
  it('matches brute force', () => {
    const w = 17;
    const h = 11;
    const sites = [3, 40, 101, 150];
    const d = squaredDistanceTransform(w, h, (i) => sites.includes(i));
    for (let i = 0; i < w * h; i++) {
      const want = Math.min(
        ...sites.map((s) => ((s % w) - (i % w)) ** 2 + (Math.floor(s / w) - Math.floor(i / w)) ** 2),
      );
      expect(d[i]).toBe(want);
    }
  });
});

describe('fillHoles', () => {
  const W = 12;
  const H = 9;
  // a ring around a 2×2 lumen (x 4-5, y 3-4), a C open to the right edge, and two pixels that touch
  // only diagonally around a background pixel at (1, 7)
  const fg = binaryImage(W, H, (i) => {
    const x = i % W;
    const y = (i - x) / W;
    const ring = x >= 3 && x <= 6 && y >= 2 && y <= 5 && !(x >= 4 && x <= 5 && y >= 3 && y <= 4);
    const c = x >= 8 && y >= 1 && y <= 5 && !(x >= 9 && y >= 2 && y <= 4);
    const diagonal =
      (x === 0 && y === 7) || (x === 1 && y === 8) || (x === 1 && y === 6) || (x === 2 && y === 7);
    return ring || c || diagonal;
  });

  it('fills what the foreground encloses and nothing the edge reaches', () => {
    const filled = fillHoles(fg);
    const at = (x: number, y: number) => filled.data[y * W + x];
    expect([at(4, 3), at(5, 4)]).toEqual([1, 1]); // the lumen
    expect(at(10, 3)).toBe(0); // the C's inside reaches the right edge
    expect(at(1, 7)).toBe(1); // 8-connected foreground around it: no 4-connected way out
    expect(at(0, 0)).toBe(0);
    const added = filled.data.reduce((n, v, i) => n + v - fg.data[i], 0);
    expect(added).toBe(5);
  });

  it('keeps a gland with a lumen one object, covering its truth', () => {
    const prob = Float32Array.from(fg.data, (v) => (v ? 0.9 : 0.1));
    const holed = glandInstances(prob, W, H, { seedRadius: 0, minArea: 1 });
    const whole = glandInstances(prob, W, H, { seedRadius: 0, minArea: 1, fillHoles: true });
    expect(holed.data[3 * W + 4]).toBe(0);
    expect(whole.data[3 * W + 4]).toBe(whole.data[2 * W + 3]);
    expect(count(whole)).toBe(count(holed));
  });
});
