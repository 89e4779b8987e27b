import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { type PatchGeometry, planPatchGrid } from '../geometry/patch-geometry';
import { type ModelCard, parseModelCardText } from '../inference/model-card';
import {
  type CascadePolicy,
  cascadeScreenFor,
  previewScreenFor,
  type ScreenMap,
  screenFill,
  screenVerdict,
} from './cascade-policy';

/** A screen whose pixel (u, v) holds f(u, v); d level-0 px per screen pixel. */
const screenOf = (d: number, f: (u: number, v: number) => number): ScreenMap => ({ d, get: f });
const policy: CascadePolicy = { low: 0.1, high: 0.9, haloUm: 0 };
const rect = { x: 80, y: 80, width: 96, height: 96 }; // screen px 10..21 at d = 8

describe('screenVerdict', () => {
  it('is sure only when every screen pixel over the kept area is outside the band', () => {
    expect(
      screenVerdict(
        screenOf(8, () => 0.02),
        rect,
        policy,
        0.5,
      ),
    ).toBe('negative');
    expect(
      screenVerdict(
        screenOf(8, () => 0.97),
        rect,
        policy,
        0.5,
      ),
    ).toBe('positive');
    // one pixel in the band, at the rect's last screen pixel (21, 21)
    const one = screenOf(8, (u, v) => (u === 21 && v === 21 ? 0.5 : 0.02));
    expect(screenVerdict(one, rect, policy, 0.5)).toBe('uncertain');
    // sure-negative next to sure-positive inside one patch: a contour, refine it
    const split = screenOf(8, (u) => (u < 15 ? 0.02 : 0.97));
    expect(screenVerdict(split, rect, policy, 0.5)).toBe('uncertain');
    // a pixel the screen did not analyse
    const hole = screenOf(8, (u, v) => (u === 12 && v === 14 ? Number.NaN : 0.02));
    expect(screenVerdict(hole, rect, policy, 0.5)).toBe('uncertain');
  });

  it('reads exactly the screen pixels under the rect, plus the halo in µm', () => {
    // band pixel just outside: screen px 22 starts at level-0 176 = the rect's exclusive end
    const outside = screenOf(8, (u) => (u === 22 || u === 9 ? 0.5 : 0.02));
    expect(screenVerdict(outside, rect, policy, 0.5)).toBe('negative');
    // a 2 µm halo at 0.5 µm/px = 4 level-0 px reaches into screen px 9 and 22
    expect(screenVerdict(outside, rect, { ...policy, haloUm: 2 }, 0.5)).toBe('uncertain');
    // …but a pixel not analysed there (off the slide, background) does not count
    const edge = screenOf(8, (u) => (u === 9 ? Number.NaN : 0.02));
    expect(screenVerdict(edge, rect, { ...policy, haloUm: 2 }, 0.5)).toBe('negative');
  });
});

describe('screenFill', () => {
  for (const [targetSize, margin] of [
    [64, 8],
    [256, 32],
  ]) {
    it(`fills the kept part from the nearest screen pixel, any tile size (${targetSize}², margin ${margin})`, () => {
      const g: PatchGeometry = { targetSize, targetMpp: 1 };
      const slideMpp = 0.5; // 2 level-0 px per output px; screen d = 8 (4 µm/px)
      const [p] = planPatchGrid({ x: 1000, y: 600, width: 10, height: 10 }, g, slideMpp, margin);
      const screen = screenOf(8, (u, v) => (u * 7 + v * 3) / 10000);
      const out = screenFill(screen, p, targetSize);
      let mismatches = 0;
      for (let j = 0; j < targetSize; j++)
        for (let i = 0; i < targetSize; i++) {
          const inKeep =
            i >= p.keep.x && i < p.keep.x + p.keep.width && j >= p.keep.y && j < p.keep.y + p.keep.height;
          const x = p.keepOnSlide.x + (i - p.keep.x) * 2 + 1;
          const y = p.keepOnSlide.y + (j - p.keep.y) * 2 + 1;
          const want = inKeep ? (Math.floor(x / 8) * 7 + Math.floor(y / 8) * 3) / 10000 : 0;
          if (Math.abs(out[j * targetSize + i] - want) > 1e-7) mismatches++;
        }
      expect(mismatches).toBe(0);
    });
  }
});

describe('cascadeScreenFor', () => {
  const card = (id: string): ModelCard => parseModelCardText(readFileSync(`models/${id}/card.json`, 'utf8'));
  const cards = [
    'unet',
    'unet-context',
    'mrn-bilinear',
    'mrn-transposed',
    'glas-mrn-bilinear',
    'glas-unet',
    'test-tiny-mrn',
    'test-tiny-unet',
  ].map(card);
  it('screens the shipped MRNs with the 4 µm/px U-Net, and nothing else', () => {
    const of = (id: string) => cascadeScreenFor(cards.find((c) => c.id === id)!, cards);
    expect(of('mrn-bilinear')).toBe('unet-context');
    expect(of('mrn-transposed')).toBe('unet-context');
    expect(of('unet')).toBeNull(); // not an MRN
    expect(of('unet-context')).toBeNull(); // the screen itself
    expect(of('glas-mrn-bilinear')).toBeNull(); // other data, two channels
    expect(of('test-tiny-mrn')).toBeNull();
    expect(
      cascadeScreenFor(
        cards[2],
        cards.filter((c) => c.id !== 'unet-context'),
      ),
    ).toBeNull();
  });
  it('previews the 1 µm/px U-Net and the MRNs with the 4 µm/px U-Net; GlaS and test models have no screen', () => {
    const of = (id: string) => previewScreenFor(cards.find((c) => c.id === id)!, cards);
    expect(of('unet')).toBe('unet-context'); // same data, finer mpp: a coarse map first, no skipping
    expect(of('mrn-bilinear')).toBe('unet-context');
    expect(of('mrn-transposed')).toBe('unet-context');
    expect(of('unet-context')).toBeNull();
    expect(of('glas-unet')).toBeNull(); // trained on GlaS: no coarse model trained on its data
    expect(of('glas-mrn-bilinear')).toBeNull();
    expect(of('test-tiny-unet')).toBeNull();
    expect(of('test-tiny-mrn')).toBeNull();
    const unet = cards.find((c) => c.id === 'unet')!;
    expect(
      previewScreenFor({ ...unet, training: { ...unet.training!, data: 'other slides' } }, cards),
    ).toBeNull();
    expect(
      previewScreenFor(
        unet,
        cards.filter((c) => c.id !== 'unet-context'),
      ),
    ).toBeNull();
  });
});
