// Layout of a synthetic lymph-node-like slide: an irregular tissue outline, tumour masses with a
// pale desmoplastic rim, benign look-alike follicles with a dark mantle rim, and fat lobules.
// Tumour interiors and follicle centres share one texture (see paint.ts); only the rim, i.e.
// the wider field, tells them apart. All lengths here are level-0 pixels unless named ...Um.

import { hash2, Prng } from '../util/prng';
import { depthInside, type RadialShape, radialShape, shapeArea } from './shape';

export const SYNTH_VERSION = 1;

export type ObjectKind = 'tumour' | 'lookalike' | 'fat';

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
    RULES.angles,
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
      const probe = radialShape(rng, cx, cy, px(radiusUm), amplitude, kMax, RULES.angles);
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
