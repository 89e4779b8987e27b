import { describe, expect, it } from 'vitest';
import { AREA_BALANCE, buildLayout, type LayoutObject, RULES, type SlideLayout, summarise } from './layout';
import { depthInside } from './shape';

const SEEDS = [1000, 1001, 1002, 1003, 1004, 2000, 2001];
const layouts = new Map<number, SlideLayout>(SEEDS.map((s) => [s, buildLayout({ seed: s, sizeMm: 4 })]));

function outerPoints(o: LayoutObject): [number, number][] {
  const n = o.shape.radii.length;
  return Array.from({ length: n }, (_, i) => {
    const t = (2 * Math.PI * i) / n;
    const r = o.shape.radii[i] + o.rim;
    return [o.shape.cx + r * Math.cos(t), o.shape.cy + r * Math.sin(t)] as [number, number];
  });
}

describe('synthetic layout', () => {
  it('is a pure function of the seed, and seeds differ', () => {
    const a = buildLayout({ seed: 1000, sizeMm: 4 });
    expect(a).toEqual(layouts.get(1000));
    const b = layouts.get(1001)!;
    expect(b.objects.length === a.objects.length && b.objects[0].shape.cx === a.objects[0].shape.cx).toBe(
      false,
    );
  });

  it('never lets objects or their rims touch', () => {
    for (const layout of layouts.values()) {
      const objs = layout.objects;
      for (const o of objs) expect(o.outer).toBeGreaterThanOrEqual(o.shape.maxRadius + o.rim);
      // enclosing circles (outline + rim) keep the gap, so no two objects or rims can touch
      for (let a = 0; a < objs.length; a++) {
        for (let b = a + 1; b < objs.length; b++) {
          const d = Math.hypot(objs[a].shape.cx - objs[b].shape.cx, objs[a].shape.cy - objs[b].shape.cy);
          expect(d).toBeGreaterThan(objs[a].outer + objs[b].outer + RULES.gapUm / layout.mpp - 1e-6);
        }
      }
    }
  });

  it('keeps every object inside the tissue', () => {
    for (const layout of layouts.values()) {
      for (const o of layout.objects) {
        for (const [x, y] of outerPoints(o)) expect(depthInside(layout.tissue, x, y)).toBeGreaterThan(0);
      }
    }
  });

  it('balances look-alike against tumour area', () => {
    for (const layout of layouts.values()) {
      const s = summarise(layout);
      expect(s.tumourCount).toBeGreaterThan(0);
      expect(s.lookalikeCount).toBeGreaterThan(5);
      const ratio = s.lookalikeAreaUm2 / s.tumourAreaUm2;
      expect(ratio).toBeGreaterThanOrEqual(AREA_BALANCE[0]);
      expect(ratio).toBeLessThanOrEqual(AREA_BALANCE[1]);
      expect(s.tumourAreaUm2 / s.tissueAreaUm2).toBeGreaterThan(0.03);
    }
  });

  it('sizes look-alikes between the target and context half-widths, tumours larger', () => {
    let large = 0;
    let small = 0;
    for (const layout of layouts.values()) {
      const um = layout.mpp;
      for (const o of layout.objects) {
        const equivUm = Math.sqrt(o.area / Math.PI) * um;
        if (o.kind === 'lookalike') {
          // the centre's 64 µm target field is all interior; its 256 µm context field reaches the rim
          expect(o.shape.minRadius * um).toBeGreaterThan(32);
          expect(o.shape.maxRadius * um).toBeLessThan(128);
          expect(equivUm).toBeGreaterThanOrEqual(RULES.lookalikeRadiusUm[0] - 0.01);
          expect(equivUm).toBeLessThanOrEqual(RULES.lookalikeRadiusUm[1] + 0.01);
        } else if (o.kind === 'tumour') {
          if (equivUm >= RULES.largeTumourRadiusUm[0] - 0.01) {
            expect(equivUm).toBeLessThanOrEqual(RULES.largeTumourRadiusUm[1] + 0.01);
            large++;
          } else {
            expect(equivUm).toBeLessThanOrEqual(RULES.lookalikeRadiusUm[1] + 0.01);
            small++;
          }
        }
      }
    }
    expect(large).toBeGreaterThan(SEEDS.length);
    expect(small).toBeGreaterThan(0);
  });

  it('refuses bad options', () => {
    expect(() => buildLayout({ seed: 1.5, sizeMm: 4 })).toThrow(/integer/);
    expect(() => buildLayout({ seed: 1, sizeMm: 0.2 })).toThrow(/sizeMm/);
  });
});
