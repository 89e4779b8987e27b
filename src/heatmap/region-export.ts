// Tumour regions as GeoJSON that QuPath imports (File › Import objects, or drag and drop).
//
// Usage:
//   const fc = tumourRegions(store, { threshold: 0.5, minAreaUm2: 500 });
//   download(JSON.stringify(fc), 'tumour.geojson');
//   validateFeatureCollection(fc)   // [] when well-formed
//
// Contours come from d3-contour (marching squares) on the store resampled to at most
// `maxGridSize` px a side; coordinates are level-0 pixels (QuPath's image space). Each polygon
// (with its holes) is one Feature: objectType 'annotation', classification { name: 'Tumor' }.

import { contours } from 'd3-contour';
import type { Ring } from '../geometry/polygon-raster';
import type { ProbabilityStore } from './probability-store';

export interface RegionFeature {
  type: 'Feature';
  geometry: { type: 'Polygon'; coordinates: Ring[] };
  properties: {
    objectType: 'annotation';
    name: string;
    classification: { name: string; color: [number, number, number] };
    isLocked: boolean;
    /** the model output channel the region outlines ('tumour' by default; 'gland' on GlaS models) */
    channel?: string;
    /** µm², holes subtracted */
    areaUm2: number;
    meanProbability?: number;
  };
}

export interface RegionCollection {
  type: 'FeatureCollection';
  features: RegionFeature[];
}

export interface RegionOptions {
  threshold?: number;
  /** coarsen so the contour grid is at most this many px a side (default 4096) */
  maxGridSize?: number;
  /** drop regions smaller than this (µm²) */
  minAreaUm2?: number;
  className?: string;
  color?: [number, number, number];
  /** the output channel the regions outline (in each feature's properties; default 'tumour') */
  channel?: string;
}

/** Signed shoelace area (px²). */
export function ringArea(ring: Ring): number {
  let a = 0;
  for (let k = 0, l = ring.length - 1; k < ring.length; l = k++)
    a += ring[l][0] * ring[k][1] - ring[k][0] * ring[l][1];
  return a / 2;
}

export function tumourRegions(store: ProbabilityStore, options: RegionOptions = {}): RegionCollection {
  const threshold = options.threshold ?? 0.5;
  // a channel other than the tumour one is named after it (QuPath class 'Gland')
  const ch = options.channel;
  const label =
    options.className ?? (ch && ch !== 'tumour' ? ch.charAt(0).toUpperCase() + ch.slice(1) : 'Tumor');
  const b = store.cellBounds;
  if (!b) return { type: 'FeatureCollection', features: [] };
  const k = store.keep;
  const u0 = b.col0 * k;
  const v0 = b.row0 * k;
  const W = (b.col1 - b.col0) * k;
  const H = (b.row1 - b.row0) * k;
  const s = Math.max(1, Math.ceil(Math.max(W, H) / (options.maxGridSize ?? 4096)));
  const gw = Math.ceil(W / s);
  const gh = Math.ceil(H / s);
  const sum = new Float32Array(gw * gh);
  const count = new Uint32Array(gw * gh);
  for (const { col, row, cell } of store.entries()) {
    for (let j = 0; j < k; j++) {
      const gy = Math.floor((row * k + j - v0) / s) * gw;
      for (let i = 0; i < k; i++) {
        const byte = cell[j * k + i];
        if (byte === 0) continue;
        const g = gy + Math.floor((col * k + i - u0) / s);
        sum[g] += (byte - 1) / 254;
        count[g]++;
      }
    }
  }
  const values = new Float64Array(gw * gh);
  for (let g = 0; g < values.length; g++) values[g] = count[g] ? sum[g] / count[g] : 0;
  const [multi] = contours().size([gw, gh]).thresholds([threshold])(Array.from(values));
  const d = store.d;
  const umPerPx = store.info.slideMpp;
  const toLevel0 = (ring: number[][]): Ring =>
    ring.map(([gx, gy]) => [round2((u0 + gx * s) * d), round2((v0 + gy * s) * d)]);
  const features: RegionFeature[] = [];
  for (const polygon of multi?.coordinates ?? []) {
    const rings = polygon.map(toLevel0);
    const areaPx =
      Math.abs(ringArea(rings[0])) - rings.slice(1).reduce((a, r) => a + Math.abs(ringArea(r)), 0);
    const areaUm2 = areaPx * umPerPx * umPerPx;
    if (areaUm2 < (options.minAreaUm2 ?? 0)) continue;
    features.push({
      type: 'Feature',
      geometry: { type: 'Polygon', coordinates: rings },
      properties: {
        objectType: 'annotation',
        name: `${label} ${features.length + 1}`,
        classification: { name: label, color: options.color ?? [200, 0, 0] },
        isLocked: false,
        channel: options.channel ?? 'tumour',
        areaUm2: Math.round(areaUm2),
      },
    });
  }
  return { type: 'FeatureCollection', features };
}

const round2 = (v: number) => Math.round(v * 100) / 100;

/** Checks the GeoJSON rules QuPath relies on; returns the problems found. */
export function validateFeatureCollection(fc: unknown): string[] {
  const problems: string[] = [];
  const c = fc as RegionCollection;
  if (c?.type !== 'FeatureCollection' || !Array.isArray(c.features)) return ['not a FeatureCollection'];
  c.features.forEach((f, n) => {
    if (f.type !== 'Feature') problems.push(`feature ${n}: type ${f.type}`);
    if (f.geometry?.type !== 'Polygon') problems.push(`feature ${n}: geometry ${f.geometry?.type}`);
    if (!f.properties?.classification?.name) problems.push(`feature ${n}: no classification name`);
    for (const ring of f.geometry?.coordinates ?? []) {
      if (ring.length < 4) problems.push(`feature ${n}: ring with ${ring.length} positions`);
      const [a, z] = [ring[0], ring[ring.length - 1]];
      if (!a || !z || a[0] !== z[0] || a[1] !== z[1]) problems.push(`feature ${n}: ring not closed`);
      if (ring.some((p) => p.length !== 2 || !p.every(Number.isFinite)))
        problems.push(`feature ${n}: bad position`);
    }
  });
  return problems;
}
