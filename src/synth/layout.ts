// Layout of a synthetic lymph-node-like slide: an irregular tissue outline, tumour masses with a
// pale desmoplastic rim, benign look-alike follicles with a dark mantle rim, and fat lobules.
// Tumour interiors and follicle centres share one texture (see paint.ts); only the rim, i.e.
// the wider field, tells them apart. All lengths here are level-0 pixels unless named ...Um.

import { hash2, Prng } from '../util/prng';
import { fbm2 } from './noise';

export const SYNTH_VERSION = 1;

/** Seed ranges, so that nothing used in development leaks into evaluation. */
export const SEED_RANGES = {
  training: [1000, 1999],
  validation: [2000, 2999],
  /** test seeds are ≥ 3000 and are never used during development */
  testFrom: 3000,
} as const;

export const TissueClass = {
  background: 0,
  stroma: 1,
  lymphoid: 2,
  fat: 3,
  /** shared by tumour interiors and look-alike interiors */
  interior: 4,
  /** look-alike rim: dense small dark nuclei */
  mantle: 5,
  /** tumour rim: pale desmoplastic stroma */
  desmoplastic: 6,
} as const;
export type TissueClassCode = (typeof TissueClass)[keyof typeof TissueClass];

export type ObjectKind = 'tumour' | 'lookalike' | 'fat';

/** A star-shaped outline: radius sampled at `radii.length` equal angle steps from +x. */
export interface RadialShape {
  cx: number;
  cy: number;
  radii: Float64Array;
  minRadius: number;
  maxRadius: number;
}

export interface LayoutObject {
  kind: ObjectKind;
  shape: RadialShape;
  /** rim band width outside the outline (0 for fat) */
  rim: number;
  /** radius of a circle enclosing outline and rim */
  outer: number;
  /** outline area, level-0 px² */
  area: number;
}

export interface LayoutOptions {
  seed: number;
  sizeMm: number;
  /** µm per level-0 pixel */
  mpp?: number;
}

export interface SlideLayout {
  seed: number;
  mpp: number;
  width: number;
  height: number;
  tissue: RadialShape;
  objects: LayoutObject[];
  /** bucket grid of object indices, for point classification */
  bucketSize: number;
  bucketCols: number;
  buckets: number[][];
  /** seed of the stroma/lymphoid field */
  fieldSeed: number;
  /** lymphoid where the field exceeds this */
  lymphoidThreshold: number;
}

/** Geometry rules (µm), exported so that tests check the layout against them. */
export const RULES = {
  lookalikeRadiusUm: [62, 92] as const,
  /** min/max of the look-alike outline radius: beyond the target half-width, within the context half-width */
  lookalikeOutlineUm: [40, 110] as const,
  largeTumourRadiusUm: [150, 400] as const,
  smallTumourFraction: 0.3,
  rimUm: [22, 30] as const,
  gapUm: 40,
  fatRadiusUm: [100, 250] as const,
  tumourAreaFraction: [0.05, 0.08] as const,
  fatAreaFraction: 0.07,
  tissueMarginUm: 60,
  angles: 512,
};

function radialShape(
  rng: Prng,
  cx: number,
  cy: number,
  equivRadius: number,
  amplitude: number,
  kMax: number,
): RadialShape {
  const n = RULES.angles;
  const coef: { k: number; a: number; p: number }[] = [];
  for (let k = 2; k <= kMax; k++)
    coef.push({ k, a: rng.uniform(0.3, 1) / k ** 1.2, p: rng.uniform(0, 2 * Math.PI) });
  const wave = new Float64Array(n);
  let peak = 0;
  for (let i = 0; i < n; i++) {
    const t = (2 * Math.PI * i) / n;
    let s = 0;
    for (const c of coef) s += c.a * Math.cos(c.k * t + c.p);
    wave[i] = s;
    peak = Math.max(peak, Math.abs(s));
  }
  const radii = new Float64Array(n);
  let area = 0;
  for (let i = 0; i < n; i++) {
    radii[i] = 1 + (peak > 0 ? (amplitude * wave[i]) / peak : 0);
    area += 0.5 * radii[i] * radii[i] * ((2 * Math.PI) / n);
  }
  // Scale so the area equals that of a circle of equivRadius.
  const scale = equivRadius / Math.sqrt(area / Math.PI);
  let minRadius = Infinity;
  let maxRadius = 0;
  for (let i = 0; i < n; i++) {
    radii[i] *= scale;
    minRadius = Math.min(minRadius, radii[i]);
    maxRadius = Math.max(maxRadius, radii[i]);
  }
  return { cx, cy, radii, minRadius, maxRadius };
}

/** Outline radius of a shape in the direction of (dx, dy), linearly interpolated. */
export function radiusAt(shape: RadialShape, dx: number, dy: number): number {
  const n = shape.radii.length;
  let t = (Math.atan2(dy, dx) / (2 * Math.PI)) * n;
  if (t < 0) t += n;
  const i = Math.floor(t);
  const f = t - i;
  const a = shape.radii[i % n];
  const b = shape.radii[(i + 1) % n];
  return a + (b - a) * f;
}

/**
 * Signed depth along the ray from the centre: r(θ) − d, positive inside. Exact outside the
 * inscribed circle; inside it, a lower bound.
 */
export function depthInside(shape: RadialShape, x: number, y: number): number {
  const dx = x - shape.cx;
  const dy = y - shape.cy;
  const d = Math.sqrt(dx * dx + dy * dy);
  // Inside the inscribed circle only the sign matters to callers; outside, rims need the real value.
  if (d < shape.minRadius) return shape.minRadius - d;
  return radiusAt(shape, dx, dy) - d;
}

export function shapeArea(shape: RadialShape): number {
  const n = shape.radii.length;
  let a = 0;
  for (let i = 0; i < n; i++) a += 0.5 * shape.radii[i] * shape.radii[i];
  return (a * 2 * Math.PI) / n;
}

/** The outline as a closed ring of level-0 points, one per angle sample. */
export function shapeRing(shape: RadialShape): [number, number][] {
  const n = shape.radii.length;
  const ring: [number, number][] = [];
  for (let i = 0; i < n; i++) {
    const t = (2 * Math.PI * i) / n;
    ring.push([shape.cx + shape.radii[i] * Math.cos(t), shape.cy + shape.radii[i] * Math.sin(t)]);
  }
  ring.push(ring[0]);
  return ring;
}

/** Allowed look-alike / tumour interior area ratio; layouts outside it are redrawn. */
export const AREA_BALANCE = [0.85, 1.15] as const;

/**
 * Builds the layout for a seed. A draw that cannot balance look-alike against tumour area
 * (small slides run out of room) is redrawn from a derived seed, so the result stays a pure
 * function of (seed, size, mpp).
 */
export function buildLayout(options: LayoutOptions): SlideLayout {
  if (!Number.isInteger(options.seed)) throw new Error(`seed must be an integer (got ${options.seed})`);
  if (!(options.sizeMm >= 1 && options.sizeMm <= 20)) {
    throw new Error(`sizeMm must be within 1–20 (got ${options.sizeMm})`);
  }
  for (let attempt = 0; attempt < 20; attempt++) {
    const layout = drawLayout(options, new Prng(attempt === 0 ? options.seed : hash2(options.seed, attempt)));
    const s = summarise(layout);
    const ratio = s.lookalikeAreaUm2 / s.tumourAreaUm2;
    if (s.tumourCount > 0 && ratio >= AREA_BALANCE[0] && ratio <= AREA_BALANCE[1]) return layout;
  }
  throw new Error(`no balanced layout for seed ${options.seed} at ${options.sizeMm} mm; use a larger slide`);
}

function drawLayout(options: LayoutOptions, rng: Prng): SlideLayout {
  const mpp = options.mpp ?? 0.5;
  const px = (um: number) => um / mpp;
  const side = Math.round((options.sizeMm * 1000) / mpp);
  const width = side;
  const height = side;

  const tissue = radialShape(
    rng,
    width / 2 + rng.uniform(-0.02, 0.02) * side,
    height / 2 + rng.uniform(-0.02, 0.02) * side,
    0.4 * side,
    0.14,
    24,
  );
  // Keep the tissue inside the slide with a little white around it.
  const limit = 0.47 * side;
  if (tissue.maxRadius > limit) {
    const s = limit / tissue.maxRadius;
    for (let i = 0; i < tissue.radii.length; i++) tissue.radii[i] *= s;
    tissue.minRadius *= s;
    tissue.maxRadius *= s;
  }
  const tissueArea = shapeArea(tissue);

  const objects: LayoutObject[] = [];
  const fits = (cx: number, cy: number, outer: number): boolean => {
    const margin = px(RULES.tissueMarginUm);
    for (let i = 0; i < 32; i++) {
      const t = (2 * Math.PI * i) / 32;
      if (depthInside(tissue, cx + outer * Math.cos(t), cy + outer * Math.sin(t)) < margin) return false;
    }
    if (depthInside(tissue, cx, cy) < outer + margin) return false;
    for (const o of objects) {
      if (Math.hypot(o.shape.cx - cx, o.shape.cy - cy) < o.outer + outer + px(RULES.gapUm)) return false;
    }
    return true;
  };
  const place = (
    kind: ObjectKind,
    radiusUm: number,
    amplitude: number,
    kMax: number,
    rimUm: number,
  ): boolean => {
    for (let attempt = 0; attempt < 400; attempt++) {
      const r = tissue.maxRadius * Math.sqrt(rng.next());
      const t = rng.uniform(0, 2 * Math.PI);
      const cx = tissue.cx + r * Math.cos(t);
      const cy = tissue.cy + r * Math.sin(t);
      // Cheap check with a bound on the outline first; building a shape costs more.
      if (!fits(cx, cy, px(radiusUm) * (1 + amplitude * 0.7) + px(rimUm))) continue;
      const probe = radialShape(rng, cx, cy, px(radiusUm), amplitude, kMax);
      const outer = probe.maxRadius + px(rimUm);
      if (!fits(cx, cy, outer)) continue;
      objects.push({ kind, shape: probe, rim: px(rimUm), outer, area: shapeArea(probe) });
      return true;
    }
    return false;
  };

  // Tumours: mostly large irregular masses, some as small as the look-alikes so that size alone
  // never decides; the area target is a fraction of the tissue.
  const tumourTarget = tissueArea * rng.uniform(...RULES.tumourAreaFraction);
  let tumourArea = 0;
  let failures = 0;
  let count = 0;
  while (tumourArea < tumourTarget && failures < 20) {
    const small = count % 3 === 1 || rng.next() < RULES.smallTumourFraction / 2;
    const radiusUm = small
      ? rng.uniform(...RULES.lookalikeRadiusUm)
      : Math.exp(rng.uniform(Math.log(RULES.largeTumourRadiusUm[0]), Math.log(RULES.largeTumourRadiusUm[1])));
    if (!small && px(radiusUm) ** 2 * Math.PI > 1.5 * (tumourTarget - tumourArea)) {
      failures++;
      continue;
    }
    if (place('tumour', radiusUm, small ? 0.12 : 0.28, small ? 5 : 9, rng.uniform(...RULES.rimUm))) {
      tumourArea += objects[objects.length - 1].area;
      count++;
    } else {
      failures++;
    }
  }

  // Look-alikes: round follicles until their interior area matches the tumours'.
  let lookalikeArea = 0;
  failures = 0;
  while (failures < 40) {
    const radiusUm = rng.uniform(...RULES.lookalikeRadiusUm);
    const next = Math.PI * px(radiusUm) ** 2;
    if (lookalikeArea + next / 2 > tumourArea) break;
    if (place('lookalike', radiusUm, 0.08, 4, rng.uniform(...RULES.rimUm))) {
      lookalikeArea += objects[objects.length - 1].area;
    } else {
      failures++;
    }
  }

  let fatArea = 0;
  failures = 0;
  while (fatArea < tissueArea * RULES.fatAreaFraction && failures < 20) {
    if (place('fat', rng.uniform(...RULES.fatRadiusUm), 0.25, 7, 0)) {
      fatArea += objects[objects.length - 1].area;
    } else {
      failures++;
    }
  }

  const bucketSize = 256;
  const bucketCols = Math.ceil(width / bucketSize);
  const bucketRows = Math.ceil(height / bucketSize);
  const buckets: number[][] = Array.from({ length: bucketCols * bucketRows }, () => []);
  objects.forEach((o, index) => {
    const c0 = Math.max(0, Math.floor((o.shape.cx - o.outer) / bucketSize));
    const c1 = Math.min(bucketCols - 1, Math.floor((o.shape.cx + o.outer) / bucketSize));
    const r0 = Math.max(0, Math.floor((o.shape.cy - o.outer) / bucketSize));
    const r1 = Math.min(bucketRows - 1, Math.floor((o.shape.cy + o.outer) / bucketSize));
    for (let r = r0; r <= r1; r++) for (let c = c0; c <= c1; c++) buckets[r * bucketCols + c].push(index);
  });

  return {
    seed: options.seed,
    mpp,
    width,
    height,
    tissue,
    objects,
    bucketSize,
    bucketCols,
    buckets,
    fieldSeed: (options.seed * 7 + 11) | 0,
    lymphoidThreshold: 0.6,
  };
}

export interface PointClass {
  cls: TissueClassCode;
  /** index into layout.objects, or −1 */
  object: number;
}

/** Tissue class at a level-0 point; the one definition that painting and masks both use. */
export function classifyPoint(layout: SlideLayout, x: number, y: number): PointClass {
  if (x >= 0 && y >= 0 && x < layout.width && y < layout.height) {
    const b =
      layout.buckets[
        Math.floor(y / layout.bucketSize) * layout.bucketCols + Math.floor(x / layout.bucketSize)
      ];
    for (const index of b) {
      const o = layout.objects[index];
      const dx = x - o.shape.cx;
      const dy = y - o.shape.cy;
      if (dx * dx + dy * dy >= o.outer * o.outer) continue;
      const depth = depthInside(o.shape, x, y);
      if (depth >= 0) {
        return { cls: o.kind === 'fat' ? TissueClass.fat : TissueClass.interior, object: index };
      }
      if (-depth < o.rim) {
        return { cls: o.kind === 'tumour' ? TissueClass.desmoplastic : TissueClass.mantle, object: index };
      }
    }
  }
  if (depthInside(layout.tissue, x, y) < 0) return { cls: TissueClass.background, object: -1 };
  return { cls: backgroundTissueClass(layout, x, y), object: -1 };
}

/** Stroma or lymphoid tissue, from a low-frequency field (scale ≈ 600 µm). */
export function backgroundTissueClass(layout: SlideLayout, x: number, y: number): TissueClassCode {
  const s = (600 / layout.mpp) | 0;
  return fbm2(x / s, y / s, layout.fieldSeed) > layout.lymphoidThreshold
    ? TissueClass.lymphoid
    : TissueClass.stroma;
}

export interface LayoutSummary {
  tumourCount: number;
  lookalikeCount: number;
  fatCount: number;
  tumourAreaUm2: number;
  lookalikeAreaUm2: number;
  tissueAreaUm2: number;
}

export function summarise(layout: SlideLayout): LayoutSummary {
  const um2 = layout.mpp * layout.mpp;
  const sum = (k: ObjectKind) =>
    layout.objects.filter((o) => o.kind === k).reduce((a, o) => a + o.area, 0) * um2;
  return {
    tumourCount: layout.objects.filter((o) => o.kind === 'tumour').length,
    lookalikeCount: layout.objects.filter((o) => o.kind === 'lookalike').length,
    fatCount: layout.objects.filter((o) => o.kind === 'fat').length,
    tumourAreaUm2: sum('tumour'),
    lookalikeAreaUm2: sum('lookalike'),
    tissueAreaUm2: shapeArea(layout.tissue) * um2,
  };
}
