// Paints a synthetic H&E slide one strip of rows at a time, so memory stays bounded and any
// strip can be painted alone. Every texture is a stateless function of (seed, x, y); nuclei
// come from jittered grids anchored at the slide origin, and a nucleus is drawn when the class
// at its centre asks for it. Tumour and look-alike interiors use the same class, hence the
// same texture; only their rims differ.

import { hash1, hash2, hash3, unit } from '../util/prng';
import { classifyPoint, TissueClass, type TissueClassCode } from './classify';
import type { SlideLayout } from './layout';
import { fbm2, valueNoise, worley } from './noise';
import { depthInside, radiusAt } from './shape';

type Rgb = readonly [number, number, number];

interface NucleusSpec {
  /** grid cell edge, µm: at most one nucleus per cell */
  cellUm: number;
  /** chance that a cell holds a nucleus */
  prob: number;
  /** minor semi-axis, µm */
  radiusUm: number;
  radiusSdUm: number;
  /** major / minor */
  aspect: readonly [number, number];
  color: Rgb;
  alpha: number;
  /** 0: solid dark; 1: pale centre with chromatin specks */
  vesicular: number;
  /** spindle nuclei follow the fibres */
  oriented: boolean;
}

/** One row of the table below, in the order of NucleusSpec's fields. */
const nucleus = (
  cellUm: number,
  prob: number,
  radiusUm: number,
  radiusSdUm: number,
  aspect: readonly [number, number],
  color: Rgb,
  alpha: number,
  vesicular: number,
  oriented: boolean,
): NucleusSpec => ({ cellUm, prob, radiusUm, radiusSdUm, aspect, color, alpha, vesicular, oriented });

// biome-ignore format: a table, one class a row
const NUCLEI: Partial<Record<TissueClassCode, NucleusSpec>> = {
  //                                 cellUm prob  radius sd   aspect     colour           alpha vesic. oriented
  [TissueClass.stroma]:       nucleus(16,   0.35, 1.3,   0.2, [3, 5],    [92, 58, 138],   0.85, 0,     true),
  [TissueClass.lymphoid]:     nucleus(7.5,  0.5,  2.6,   0.3, [1, 1.15], [68, 42, 122],   0.9,  0.1,   false),
  [TissueClass.interior]:     nucleus(11,   0.82, 4,     0.8, [1, 1.5],  [98, 62, 152],   0.85, 0.55,  false),
  [TissueClass.mantle]:       nucleus(5.6,  0.88, 2.5,   0.3, [1, 1.15], [52, 30, 104],   0.95, 0,     false),
  [TissueClass.desmoplastic]: nucleus(18,   0.3,  1.8,   0.3, [2, 3.5],  [120, 92, 160],  0.6,  0.2,   true),
};

const GLASS: Rgb = [243, 242, 245];
const STROMA_LIGHT: Rgb = [242, 202, 224];
const STROMA_DEEP: Rgb = [221, 124, 170];
const LYMPHOID: Rgb = [226, 182, 214];
const FAT_WALL: Rgb = [222, 140, 184];
const FAT_SPACE: Rgb = [250, 248, 250];
const CYTOPLASM: Rgb = [212, 158, 204];
const MANTLE: Rgb = [218, 172, 208];
const DESMO_LIGHT: Rgb = [238, 222, 234];
const DESMO_FIBRE: Rgb = [220, 186, 214];

/** Per-slide stain: small channel gains, so slides differ but one slide is consistent. */
export interface Stain {
  gain: Rgb;
  fibreAngle: number;
}

export function stainFor(seed: number): Stain {
  const g = (k: number) => 0.94 + 0.12 * unit(hash2(seed, 101 + k));
  return { gain: [g(0), g(1), g(2)], fibreAngle: Math.PI * unit(hash2(seed, 201)) };
}

const NUCLEUS_LAYERS = Object.entries(NUCLEI).map(([cls, spec], layer) => ({
  cls: Number(cls) as TissueClassCode,
  spec: spec as NucleusSpec,
  layer,
}));
const MAX_NUCLEUS_UM = 4 + 3 * 0.8 * 1.5 + 2; // generous reach of the largest nucleus

/**
 * Paints rows [y0, y0 + rows) into `out` (RGB, width × rows × 3). `classes`, if given, receives
 * the class of every pixel (the painting's own label map).
 */
export function paintStrip(
  layout: SlideLayout,
  y0: number,
  rows: number,
  out: Uint8Array,
  classes?: Uint8Array,
): void {
  const W = layout.width;
  const seed = layout.seed;
  const stain = stainFor(seed);
  const cls = classes ?? new Uint8Array(W * rows);
  const rgb = new Float32Array(W * rows * 3);
  classifyStrip(layout, y0, rows, cls);

  const ca = Math.cos(stain.fibreAngle);
  const sa = Math.sin(stain.fibreAngle);
  const um = 1 / layout.mpp; // px per µm
  const fat = new Float64Array(2);
  const fatCell = 55 * um;
  for (let r = 0; r < rows; r++) {
    const y = y0 + r + 0.5;
    for (let x0 = 0; x0 < W; x0++) {
      const i = r * W + x0;
      const x = x0 + 0.5;
      const c = cls[i];
      let col: Rgb = GLASS;
      let R = 0;
      let G = 0;
      let B = 0;
      if (c === TissueClass.stroma || c === TissueClass.desmoplastic) {
        const f = fibre(x, y, ca, sa, um, seed);
        if (c === TissueClass.stroma) {
          const t = Math.min(1, Math.max(0, (f - 0.32) / 0.4));
          const cleft = f < 0.22 ? (0.22 - f) * 3 : 0;
          R = mix(STROMA_LIGHT[0], STROMA_DEEP[0], t) + cleft * 12;
          G = mix(STROMA_LIGHT[1], STROMA_DEEP[1], t) + cleft * 40;
          B = mix(STROMA_LIGHT[2], STROMA_DEEP[2], t) + cleft * 25;
        } else {
          const t = Math.min(1, Math.max(0, (f - 0.45) / 0.35));
          R = mix(DESMO_LIGHT[0], DESMO_FIBRE[0], t);
          G = mix(DESMO_LIGHT[1], DESMO_FIBRE[1], t);
          B = mix(DESMO_LIGHT[2], DESMO_FIBRE[2], t);
        }
      } else if (c === TissueClass.fat) {
        worley(x / fatCell, y / fatCell, seed + 31, fat);
        const wall = (fat[1] - fat[0]) * fatCell; // px from the wall, roughly
        const t = wall < 1.2 * um ? 1 : wall < 2.2 * um ? (2.2 * um - wall) / um : 0;
        R = mix(FAT_SPACE[0], FAT_WALL[0], t);
        G = mix(FAT_SPACE[1], FAT_WALL[1], t);
        B = mix(FAT_SPACE[2], FAT_WALL[2], t);
      } else {
        if (c === TissueClass.lymphoid) col = LYMPHOID;
        else if (c === TissueClass.interior) col = CYTOPLASM;
        else if (c === TissueClass.mantle) col = MANTLE;
        const m =
          c === TissueClass.background ? 0 : (valueNoise(x / (3 * um), y / (3 * um), seed + 5) - 0.5) * 16;
        R = col[0] + m * 0.6;
        G = col[1] + m;
        B = col[2] + m * 0.5;
      }
      rgb[i * 3] = R;
      rgb[i * 3 + 1] = G;
      rgb[i * 3 + 2] = B;
    }
  }

  paintNuclei(layout, y0, rows, rgb, stain);

  for (let r = 0; r < rows; r++) {
    const y = y0 + r;
    for (let x = 0; x < W; x++) {
      const i = (r * W + x) * 3;
      const grain = (unit(hash1(Math.imul(x, 0x27d4eb2d) ^ Math.imul(y, 0x165667b1) ^ seed)) - 0.5) * 6;
      for (let k = 0; k < 3; k++) {
        const v = 255 - (255 - rgb[i + k]) * stain.gain[k] + grain;
        out[i + k] = v < 0 ? 0 : Math.min(v, 255);
      }
    }
  }
}

function mix(a: number, b: number, t: number): number {
  return a + (b - a) * t;
}

/** Wavy collagen fibres: value noise stretched along the fibre direction, domain-warped. */
function fibre(x: number, y: number, ca: number, sa: number, um: number, seed: number): number {
  const u = x * ca + y * sa;
  const v = -x * sa + y * ca + (valueNoise(x / (180 * um), y / (180 * um), seed + 11) - 0.5) * 70 * um;
  return (
    valueNoise(u / (35 * um), v / (2.4 * um), seed + 13) * 0.65 +
    valueNoise(u / (14 * um), v / um, seed + 17) * 0.35
  );
}

/** Class of every pixel centre in the strip (same rule as classifyPoint, done object by object). */
export function classifyStrip(layout: SlideLayout, y0: number, rows: number, cls: Uint8Array): void {
  const W = layout.width;
  const t = layout.tissue;
  // The stroma/lymphoid field varies over hundreds of µm: sample it every FIELD_STEP px.
  const coarse = coarseField(layout, y0, rows);
  const min2 = t.minRadius * t.minRadius;
  const max2 = t.maxRadius * t.maxRadius;
  for (let r = 0; r < rows; r++) {
    const y = y0 + r + 0.5;
    const dy = y - t.cy;
    for (let x0 = 0; x0 < W; x0++) {
      const x = x0 + 0.5;
      const dx = x - t.cx;
      const d2 = dx * dx + dy * dy;
      let inside: boolean;
      if (d2 <= min2) inside = true;
      else if (d2 > max2) inside = false;
      else inside = radiusAt(t, dx, dy) * radiusAt(t, dx, dy) >= d2;
      cls[r * W + x0] = inside ? coarse.classAt(x0, r) : TissueClass.background;
    }
  }
  for (const o of layout.objects) {
    const s = o.shape;
    const ra = Math.max(y0, Math.floor(s.cy - o.outer));
    const rb = Math.min(y0 + rows, Math.ceil(s.cy + o.outer));
    if (ra >= rb) continue;
    const xa = Math.max(0, Math.floor(s.cx - o.outer));
    const xb = Math.min(W, Math.ceil(s.cx + o.outer));
    const inner = o.kind === 'fat' ? TissueClass.fat : TissueClass.interior;
    const rim = o.kind === 'tumour' ? TissueClass.desmoplastic : TissueClass.mantle;
    for (let y = ra; y < rb; y++) {
      for (let x = xa; x < xb; x++) {
        const depth = depthInside(s, x + 0.5, y + 0.5);
        if (depth >= 0) cls[(y - y0) * W + x] = inner;
        else if (-depth < o.rim) cls[(y - y0) * W + x] = rim;
      }
    }
  }
}

const FIELD_STEP = 16;

function coarseField(layout: SlideLayout, y0: number, rows: number) {
  const cols = Math.ceil(layout.width / FIELD_STEP) + 2;
  const lines = Math.ceil(rows / FIELD_STEP) + 2;
  const v = new Float32Array(cols * lines);
  const s = (600 / layout.mpp) | 0;
  for (let j = 0; j < lines; j++) {
    for (let i = 0; i < cols; i++) {
      v[j * cols + i] = fbm2((i * FIELD_STEP) / s, (y0 + j * FIELD_STEP) / s, layout.fieldSeed);
    }
  }
  return {
    classAt(x: number, r: number): TissueClassCode {
      const fx = x / FIELD_STEP;
      const fy = r / FIELD_STEP;
      const i = fx | 0;
      const j = fy | 0;
      const tx = fx - i;
      const ty = fy - j;
      const k = j * cols + i;
      const top = v[k] + (v[k + 1] - v[k]) * tx;
      const bottom = v[k + cols] + (v[k + cols + 1] - v[k + cols]) * tx;
      return top + (bottom - top) * ty > layout.lymphoidThreshold ? TissueClass.lymphoid : TissueClass.stroma;
    },
  };
}

function paintNuclei(layout: SlideLayout, y0: number, rows: number, rgb: Float32Array, stain: Stain): void {
  const W = layout.width;
  const um = 1 / layout.mpp;
  const reach = MAX_NUCLEUS_UM * um;
  for (const { cls, spec, layer } of NUCLEUS_LAYERS) {
    const cell = spec.cellUm * um;
    const layerSeed = hash3(layout.seed, 7001, layer);
    const j0 = Math.floor((y0 - reach) / cell);
    const j1 = Math.floor((y0 + rows + reach) / cell);
    const i1 = Math.floor(W / cell);
    for (let j = j0; j <= j1; j++) {
      for (let i = 0; i <= i1; i++) {
        const h = hash3(layerSeed, i, j);
        if (unit(h) >= spec.prob) continue;
        const cx = (i + unit(hash2(h, 1))) * cell;
        const cy = (j + unit(hash2(h, 2))) * cell;
        if (classifyPoint(layout, cx, cy).cls !== cls) continue;
        const z = Math.max(-2, Math.min(2, gaussish(h)));
        const minor = Math.max(0.6, spec.radiusUm + z * spec.radiusSdUm) * um;
        const major = minor * (spec.aspect[0] + (spec.aspect[1] - spec.aspect[0]) * unit(hash2(h, 4)));
        const angle = spec.oriented
          ? stain.fibreAngle + (unit(hash2(h, 5)) - 0.5) * 0.6
          : unit(hash2(h, 5)) * Math.PI;
        const shade = 0.85 + 0.3 * unit(hash2(h, 6));
        stamp(rgb, W, y0, rows, cx, cy, major, minor, angle, spec, shade, h);
      }
    }
  }
}

/** Sum of uniforms: a cheap, bounded bell curve with unit variance. */
function gaussish(h: number): number {
  return (unit(hash2(h, 10)) + unit(hash2(h, 11)) + unit(hash2(h, 12)) - 1.5) * 2;
}

function stamp(
  rgb: Float32Array,
  W: number,
  y0: number,
  rows: number,
  cx: number,
  cy: number,
  major: number,
  minor: number,
  angle: number,
  spec: NucleusSpec,
  shade: number,
  h: number,
): void {
  const ext = major + 1.5;
  const ya = Math.max(y0, Math.floor(cy - ext));
  const yb = Math.min(y0 + rows, Math.ceil(cy + ext));
  const xa = Math.max(0, Math.floor(cx - ext));
  const xb = Math.min(W, Math.ceil(cx + ext));
  if (ya >= yb || xa >= xb) return;
  const c = Math.cos(angle);
  const s = Math.sin(angle);
  const nr = 255 - (255 - spec.color[0]) * shade;
  const ng = 255 - (255 - spec.color[1]) * shade;
  const nb = 255 - (255 - spec.color[2]) * shade;
  for (let y = ya; y < yb; y++) {
    const py = y + 0.5 - cy;
    for (let x = xa; x < xb; x++) {
      const px = x + 0.5 - cx;
      const u = (px * c + py * s) / major;
      const v = (-px * s + py * c) / minor;
      const e = Math.sqrt(u * u + v * v);
      // ~1 px soft edge measured along the minor axis
      const edge = (1 - e) * minor + 0.5;
      if (edge <= 0) continue;
      let a = Math.min(edge, 1) * spec.alpha;
      if (spec.vesicular > 0) {
        // pale nucleoplasm inside a darker membrane, with chromatin specks
        const speck = unit(hash3(h, x, y)) < 0.18 ? 0.5 : 0;
        a *= 1 - spec.vesicular * Math.max(0, 1 - e * 1.25) + speck * spec.vesicular;
        if (a > 1) a = 1;
      }
      const i = ((y - y0) * W + x) * 3;
      rgb[i] += (nr - rgb[i]) * a;
      rgb[i + 1] += (ng - rgb[i + 1]) * a;
      rgb[i + 2] += (nb - rgb[i + 2]) * a;
    }
  }
}
