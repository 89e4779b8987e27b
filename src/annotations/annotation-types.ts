// Common form of slide annotations, whatever file they came from. Coordinates are level-0 px.

import type { Ring } from '../geometry/polygon-raster';

export type { Ring } from '../geometry/polygon-raster';

export interface AnnotationRegion {
  name: string;
  /** class label as the file gives it (ASAP group, QuPath classification), if any */
  classification: string | null;
  /** false for regions to subtract (NCRF "negative", ASAP exclusion groups) */
  positive: boolean;
  /** first ring the outline, the rest holes (even-odd within a region) */
  rings: Ring[];
}

export type AnnotationFormat = 'asap-xml' | 'ncrf-json' | 'geojson';

export interface AnnotationSet {
  format: AnnotationFormat;
  regions: AnnotationRegion[];
}

/** Limits on what a parser accepts; files beyond them are refused with a clear error. */
export interface AnnotationLimits {
  maxBytes: number;
  maxRegions: number;
  maxVertices: number;
  /** largest |coordinate| accepted, level-0 px */
  maxCoordinate: number;
}

export const DEFAULT_ANNOTATION_LIMITS: AnnotationLimits = {
  maxBytes: 64 * 1024 * 1024,
  maxRegions: 100_000,
  maxVertices: 5_000_000,
  maxCoordinate: 10_000_000,
};

export class AnnotationError extends Error {
  override name = 'AnnotationError';
}

/** Checks counts and coordinates of parsed regions against the limits. */
export function checkRegions(regions: AnnotationRegion[], limits: AnnotationLimits, what: string): void {
  if (regions.length > limits.maxRegions) {
    throw new AnnotationError(
      `${what}: ${regions.length} regions, more than the limit of ${limits.maxRegions}`,
    );
  }
  let vertices = 0;
  for (const r of regions) {
    for (const ring of r.rings) {
      vertices += ring.length;
      if (ring.length < 3)
        throw new AnnotationError(`${what}: region "${r.name}" has a ring of ${ring.length} vertices`);
      for (const [x, y] of ring) {
        if (!Number.isFinite(x) || !Number.isFinite(y)) {
          throw new AnnotationError(`${what}: region "${r.name}" has a non-numeric coordinate`);
        }
        if (Math.abs(x) > limits.maxCoordinate || Math.abs(y) > limits.maxCoordinate) {
          throw new AnnotationError(
            `${what}: region "${r.name}" has coordinate (${x}, ${y}) beyond ±${limits.maxCoordinate}`,
          );
        }
      }
    }
  }
  if (vertices > limits.maxVertices) {
    throw new AnnotationError(`${what}: ${vertices} vertices, more than the limit of ${limits.maxVertices}`);
  }
}

export function checkSize(text: string, limits: AnnotationLimits, what: string): void {
  // UTF-16 length is a fair proxy for the byte size here.
  if (text.length > limits.maxBytes) {
    throw new AnnotationError(
      `${what}: ${text.length} characters, more than the limit of ${limits.maxBytes}`,
    );
  }
}

/** Checks the size limit, then parses JSON with an error that names the format. */
export function parseJsonText(text: string, limits: AnnotationLimits, what: string): unknown {
  checkSize(text, limits, what);
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new AnnotationError(`${what}: not valid JSON (${(e as Error).message})`);
  }
}

/** Scales every coordinate, e.g. by 1/32 to place level-0 annotations on a level-5 image. */
export function scaleAnnotations(set: AnnotationSet, factor: number): AnnotationSet {
  return {
    format: set.format,
    regions: set.regions.map((r) => ({
      ...r,
      rings: r.rings.map((ring) => ring.map(([x, y]) => [x * factor, y * factor] as [number, number])),
    })),
  };
}
