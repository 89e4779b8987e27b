// 256-entry RGB lookup tables built from d3-scale-chromatic, plus legend data.
//
// Usage:
//   const lut = colormapLut('inferno');           // Uint8Array(256·3)
//   const [r, g, b] = lutColor(lut, 0.73);
//   const legend = legendData('inferno', { threshold: 0.5 }); // stops for the UI legend

import {
  interpolateInferno,
  interpolateMagma,
  interpolatePuOr,
  interpolateRdBu,
  interpolateTurbo,
  interpolateViridis,
} from 'd3-scale-chromatic';

/** Colormaps for probabilities (0..1), in the order the UI offers them. */
export const SEQUENTIAL_COLORMAPS = ['inferno', 'magma', 'viridis', 'turbo'] as const;
export type SequentialColormap = (typeof SEQUENTIAL_COLORMAPS)[number];
/** Colormaps for differences (−1..1). */
export const DIVERGING_COLORMAPS = ['RdBu', 'PuOr'] as const;
export type DivergingColormap = (typeof DIVERGING_COLORMAPS)[number];
export type ColormapName = SequentialColormap | DivergingColormap;

const interpolators: Record<ColormapName, (t: number) => string> = {
  inferno: interpolateInferno,
  magma: interpolateMagma,
  viridis: interpolateViridis,
  turbo: interpolateTurbo,
  // reversed so that high values (MRN above U-Net) are red
  RdBu: (t) => interpolateRdBu(1 - t),
  PuOr: interpolatePuOr,
};

/** Parses the '#rrggbb' and 'rgb(r, g, b)' strings d3 interpolators return. */
export function parseCssColor(css: string): [number, number, number] {
  if (css.startsWith('#') && css.length === 7) {
    return [1, 3, 5].map((i) => Number.parseInt(css.slice(i, i + 2), 16)) as [number, number, number];
  }
  const m = css.match(/rgb\(\s*(\d+)\s*,\s*(\d+)\s*,\s*(\d+)\s*\)/);
  if (!m) throw new Error(`unexpected colour '${css}'`);
  return [Number(m[1]), Number(m[2]), Number(m[3])];
}

const lutCache = new Map<ColormapName, Uint8Array>();

export function colormapLut(name: ColormapName): Uint8Array {
  let lut = lutCache.get(name);
  if (!lut) {
    lut = new Uint8Array(256 * 3);
    for (let i = 0; i < 256; i++) lut.set(parseCssColor(interpolators[name](i / 255)), i * 3);
    lutCache.set(name, lut);
  }
  return lut;
}

/** Colour for t in [0, 1]. */
export function lutColor(lut: Uint8Array, t: number): [number, number, number] {
  const k = Math.round(Math.min(1, Math.max(0, t)) * 255) * 3;
  return [lut[k], lut[k + 1], lut[k + 2]];
}

const hex = ([r, g, b]: [number, number, number]) =>
  `#${[r, g, b].map((c) => c.toString(16).padStart(2, '0')).join('')}`;

export interface LegendStop {
  value: number;
  color: string;
}

export interface LegendData {
  colormap: ColormapName;
  min: number;
  max: number;
  stops: LegendStop[];
  /** CSS linear-gradient for a legend bar */
  gradient: string;
  threshold: number | null;
  label: string;
}

/** Legend for a probability map (0..1) or a difference map (−1..1). */
export function legendData(
  colormap: ColormapName,
  options: { min?: number; max?: number; threshold?: number | null; label?: string; stops?: number } = {},
): LegendData {
  const min = options.min ?? ((DIVERGING_COLORMAPS as readonly string[]).includes(colormap) ? -1 : 0);
  const max = options.max ?? 1;
  const n = Math.max(2, options.stops ?? 11);
  const lut = colormapLut(colormap);
  const stops: LegendStop[] = [];
  for (let i = 0; i < n; i++) {
    const t = i / (n - 1);
    stops.push({ value: min + t * (max - min), color: hex(lutColor(lut, t)) });
  }
  const gradient = `linear-gradient(to right, ${stops.map((s, i) => `${s.color} ${((i / (n - 1)) * 100).toFixed(1)}%`).join(', ')})`;
  return {
    colormap,
    min,
    max,
    stops,
    gradient,
    threshold: options.threshold ?? null,
    label: options.label ?? (min < 0 ? 'MRN − U-Net probability' : 'tumour probability'),
  };
}
