// GeoJSON annotations in QuPath's style: a FeatureCollection (or a bare array of Features, as
// QuPath exports) of Polygon/MultiPolygon features with properties.classification.name.

import {
  AnnotationError,
  type AnnotationLimits,
  type AnnotationRegion,
  type AnnotationSet,
  checkRegions,
  DEFAULT_ANNOTATION_LIMITS,
  parseJsonText,
  type Ring,
} from './annotation-types';

/** Class names read as regions to subtract. */
export const NEGATIVE_CLASSES = ['exclusion', 'ignore*', 'negative', 'non-tumor', 'non-tumour', 'normal'];

interface Feature {
  type?: unknown;
  geometry?: { type?: unknown; coordinates?: unknown } | null;
  properties?: Record<string, unknown> | null;
}

export function parseGeoJson(
  text: string,
  limits: AnnotationLimits = DEFAULT_ANNOTATION_LIMITS,
): AnnotationSet {
  const doc = parseJsonText(text, limits, 'GeoJSON');
  const features = featuresOf(doc);
  const regions: AnnotationRegion[] = [];
  features.forEach((f, index) => {
    if (!f.geometry) return; // QuPath writes null geometry for some objects; nothing to draw
    const props = f.properties ?? {};
    const classification = classOf(props);
    const name = typeof props.name === 'string' ? props.name : `feature ${index}`;
    const positive = !(classification && NEGATIVE_CLASSES.includes(classification.toLowerCase()));
    const { type, coordinates } = f.geometry;
    if (type === 'Polygon') {
      regions.push({ name, classification, positive, rings: polygonRings(coordinates, name) });
    } else if (type === 'MultiPolygon') {
      if (!Array.isArray(coordinates))
        throw new AnnotationError(`GeoJSON: "${name}" MultiPolygon without coordinates`);
      coordinates.forEach((poly, k) => {
        regions.push({ name: `${name} [${k}]`, classification, positive, rings: polygonRings(poly, name) });
      });
    } else {
      throw new AnnotationError(
        `GeoJSON: "${name}" has geometry ${String(type)}; only Polygon and MultiPolygon are read`,
      );
    }
  });
  checkRegions(regions, limits, 'GeoJSON');
  return { format: 'geojson', regions };
}

function featuresOf(doc: unknown): Feature[] {
  if (Array.isArray(doc)) return doc as Feature[];
  if (doc && typeof doc === 'object') {
    const d = doc as { type?: unknown; features?: unknown };
    if (d.type === 'FeatureCollection' && Array.isArray(d.features)) return d.features as Feature[];
    if (d.type === 'Feature') return [d as Feature];
    if (d.type === 'Polygon' || d.type === 'MultiPolygon')
      return [{ type: 'Feature', geometry: d as Feature['geometry'] }];
  }
  throw new AnnotationError(
    'GeoJSON: expected a FeatureCollection, a Feature, a geometry or an array of Features',
  );
}

function classOf(props: Record<string, unknown>): string | null {
  const c = props.classification;
  if (typeof c === 'string') return c;
  if (c && typeof c === 'object' && typeof (c as { name?: unknown }).name === 'string') {
    return (c as { name: string }).name;
  }
  return null;
}

function polygonRings(coordinates: unknown, name: string): Ring[] {
  if (!Array.isArray(coordinates) || coordinates.length === 0) {
    throw new AnnotationError(`GeoJSON: "${name}" Polygon has no rings`);
  }
  return coordinates.map((ring) => {
    if (!Array.isArray(ring)) throw new AnnotationError(`GeoJSON: "${name}" has a ring that is not an array`);
    return ring.map((p) => {
      if (!Array.isArray(p) || p.length < 2)
        throw new AnnotationError(`GeoJSON: "${name}" has a malformed position`);
      return [Number(p[0]), Number(p[1])] as [number, number];
    });
  });
}

const QUPATH_COLORS: Record<string, [number, number, number]> = {
  Tumor: [200, 0, 0],
  Other: [255, 200, 0],
};

/** Writes regions as a QuPath-style FeatureCollection (rings closed, classification as an object). */
export function toGeoJson(regions: AnnotationRegion[]): string {
  const features = regions.map((r) => {
    const className = r.classification ?? (r.positive ? 'Tumor' : 'Exclusion');
    return {
      type: 'Feature',
      id: r.name,
      geometry: {
        type: 'Polygon',
        coordinates: r.rings.map((ring) => {
          const closed = ring.map(([x, y]) => [round3(x), round3(y)]);
          const [fx, fy] = closed[0];
          const [lx, ly] = closed[closed.length - 1];
          if (fx !== lx || fy !== ly) closed.push([fx, fy]);
          return closed;
        }),
      },
      properties: {
        objectType: 'annotation',
        name: r.name,
        classification: { name: className, color: QUPATH_COLORS[className] ?? [0, 0, 200] },
      },
    };
  });
  return JSON.stringify({ type: 'FeatureCollection', features });
}

function round3(v: number): number {
  return Math.round(v * 1000) / 1000;
}
