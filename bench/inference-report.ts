// The pure half of `npm run bench -- inference`: areas, rates, the hardware limit, ratios and the
// issue's goal lines, from the raw timings (no I/O; bench/inference-report.test.ts).
//
// Units. A tile of S target px keeps (S − 2·margin)² output px (margin: the trained patch's,
// keepMarginFor(64) = 8), so kept mm² per tile = ((S − 2·margin) · mpp / 1000)². Tissue throughput
// is the slide's tissue area over the time the whole slide takes: tissueMm2 · tiles/s ÷ the
// whole-slide plan's tiles at that tile size. PyTorch gets the same conversion on the same tiles, so
// every ratio to PyTorch is a ratio of tiles/s at one tile geometry.

import { keepMarginFor } from '../src/geometry/patch-geometry';

export interface TileGeometry {
  /** tile edge, target px */
  size: number;
  /** the trained patch edge, whose keep margin applies at every tile size */
  trained: number;
  /** µm per target px */
  mpp: number;
}

const round = (v: number, digits = 3) => {
  const f = 10 ** digits;
  return Math.round(v * f) / f;
};

/** a / b rounded, null when either is missing or b is 0 */
export function ratio(a: number | null | undefined, b: number | null | undefined, digits = 3): number | null {
  if (a === null || a === undefined || b === null || b === undefined || !(b > 0) || !Number.isFinite(a))
    return null;
  return round(a / b, digits);
}

/** mm² of output a tile keeps */
export function keptMm2PerTile(t: TileGeometry): number {
  const edge = t.size - 2 * keepMarginFor(t.trained);
  if (edge <= 0)
    throw new Error(`a ${t.size} px tile keeps nothing with a ${keepMarginFor(t.trained)} px margin`);
  return ((edge * t.mpp) / 1000) ** 2;
}

/** the model's GFLOP per mm² of kept output at this tile geometry */
export function gflopPerMm2(flopsPerTile: number, t: TileGeometry): number {
  return flopsPerTile / 1e9 / keptMm2PerTile(t);
}

export interface Plan {
  /** tissue area of the slide, mm² */
  tissueMm2: number;
  /** tiles the whole-slide plan runs at this tile size */
  tiles: number;
}

export interface Rate {
  tilesPerSecond: number;
  /** kept output area per second */
  keptMm2PerSecond: number;
  /** slide tissue per second (null without a plan) */
  mm2PerSecond: number | null;
}

export function rate(tilesPerSecond: number, t: TileGeometry, plan?: Plan | null): Rate {
  return {
    tilesPerSecond: round(tilesPerSecond, 2),
    keptMm2PerSecond: round(tilesPerSecond * keptMm2PerTile(t), 4),
    mm2PerSecond: plan && plan.tiles > 0 ? round((tilesPerSecond * plan.tissueMm2) / plan.tiles, 4) : null,
  };
}

export interface HardwareLimit {
  gflopPerMm2: number;
  /** peak FLOP/s ÷ FLOPs per tile: tiles/s if every FLOP ran at the peak */
  bestTilesPerSecond: number;
  bestKeptMm2PerSecond: number;
  bestMm2PerSecond: number | null;
}

export function hardwareLimit(
  flopsPerTile: number,
  peakGflopPerSecond: number,
  t: TileGeometry,
  plan?: Plan | null,
): HardwareLimit {
  const best = (peakGflopPerSecond * 1e9) / flopsPerTile;
  const r = rate(best, t, plan);
  return {
    gflopPerMm2: round(gflopPerMm2(flopsPerTile, t), 1),
    bestTilesPerSecond: r.tilesPerSecond,
    bestKeptMm2PerSecond: r.keptMm2PerSecond,
    bestMm2PerSecond: r.mm2PerSecond,
  };
}

/** One Chromium measurement, before assembly. */
export interface MeasuredRow {
  model: string;
  /** the row spec as asked, e.g. 'wasm@1:64' */
  spec: string;
  backend: string;
  tile: TileGeometry;
  tilesPerSecond?: number;
  plan?: Plan | null;
  error?: string;
  [extra: string]: unknown;
}

export interface AssembledRow extends MeasuredRow {
  rate?: Rate;
  gflopPerSecond?: number | null;
  /** rate ÷ PyTorch's on the same tile size and batch (its defaults: every core) */
  vsPyTorch?: number | null;
  /** rate ÷ PyTorch's on one thread, same tiles */
  vsPyTorchOneThread?: number | null;
  /** rate ÷ the hardware's best at this tile size */
  fractionOfHardware?: number | null;
  /** tissue mm²/s ÷ the model's legacy row */
  vsLegacy?: number | null;
}

/**
 * Adds rates and ratios: `torchTilesPerSecond(model, size)` and `flopsPerTile(model, size)` look
 * up PyTorch's rate and the graph's FLOPs; `legacySpec` names the row the others are compared with.
 */
export function assembleRows(
  rows: MeasuredRow[],
  lookup: {
    torchTilesPerSecond: (model: string, size: number) => number | null;
    torchOneThreadTilesPerSecond?: (model: string, size: number) => number | null;
    flopsPerTile: (model: string, size: number) => number | null;
    peakGflopPerSecond: number | null;
    legacySpec: string;
  },
): AssembledRow[] {
  const withRates = rows.map((r): AssembledRow => {
    if (r.error || r.tilesPerSecond === undefined) return r;
    const flops = lookup.flopsPerTile(r.model, r.tile.size);
    const limit =
      flops && lookup.peakGflopPerSecond ? hardwareLimit(flops, lookup.peakGflopPerSecond, r.tile) : null;
    return {
      ...r,
      rate: rate(r.tilesPerSecond, r.tile, r.plan),
      gflopPerSecond: flops ? round((r.tilesPerSecond * flops) / 1e9, 2) : null,
      vsPyTorch: ratio(r.tilesPerSecond, lookup.torchTilesPerSecond(r.model, r.tile.size)),
      vsPyTorchOneThread: ratio(
        r.tilesPerSecond,
        lookup.torchOneThreadTilesPerSecond?.(r.model, r.tile.size),
      ),
      fractionOfHardware: limit ? ratio(r.tilesPerSecond, limit.bestTilesPerSecond, 4) : null,
    };
  });
  return withRates.map((r) => {
    if (!r.rate) return r;
    const legacy = withRates.find((x) => x.model === r.model && x.spec === lookup.legacySpec && x.rate);
    return { ...r, vsLegacy: ratio(r.rate.mm2PerSecond, legacy?.rate?.mm2PerSecond ?? null) };
  });
}

export interface Goal {
  what: string;
  ratio: number | null;
  goal: number;
  met: boolean | null;
}

export function goal(what: string, value: number | null, target: number): Goal {
  return { what, ratio: value, goal: target, met: value === null ? null : value >= target };
}
