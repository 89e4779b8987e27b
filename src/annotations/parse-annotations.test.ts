import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { buildLayout } from '../synth/layout';
import { tumourRegions } from '../synth/node/write-synthetic-slide';
import { sharedAvailable, sharedPath } from '../util/node/shared-data';
import { type AnnotationRegion, DEFAULT_ANNOTATION_LIMITS, scaleAnnotations } from './annotation-types';
import { parseAsapXml } from './asap-xml';
import { parseGeoJson, toGeoJson } from './geojson';
import { parseNcrfJson } from './ncrf-json';
import { parseAnnotations } from './parse-annotations';
import { rasterise } from './rasterise';
import { validateAnnotationsFit } from './validate-annotations';

const NCRF = sharedPath('camelyonNcrf');
const ASAP = sharedPath('camelyon17Asap');

const square = (x: number, y: number, s: number): [number, number][] => [
  [x, y],
  [x + s, y],
  [x + s, y + s],
  [x, y + s],
];
const region = (rings: [number, number][][], positive = true): AnnotationRegion => ({
  name: 'r',
  classification: 'Tumor',
  positive,
  rings,
});
const count = (m: Uint8Array) => m.reduce((a, v) => a + v, 0);

describe('rasterise', () => {
  it('fills the pixels whose centres lie inside', () => {
    const m = rasterise([region([square(2, 3, 4)])], { x: 0, y: 0, width: 10, height: 10, downsample: 1 });
    expect(count(m)).toBe(16);
    expect(m[3 * 10 + 2]).toBe(1);
    expect(m[3 * 10 + 6]).toBe(0);
    expect(m[7 * 10 + 2]).toBe(0);
  });

  it('honours holes, negatives, offsets and downsampling', () => {
    const grid = { x: 0, y: 0, width: 20, height: 20, downsample: 1 };
    expect(count(rasterise([region([square(0, 0, 10), square(2, 2, 4)])], grid))).toBe(100 - 16);
    expect(count(rasterise([region([square(0, 0, 10)]), region([square(0, 0, 5)], false)], grid))).toBe(75);
    const coarse = rasterise([region([square(100, 100, 40)])], {
      x: 96,
      y: 96,
      width: 16,
      height: 16,
      downsample: 4,
    });
    // pixels 1..10 have centres 96 + 4·(i + ½) in [100, 140)
    expect(count(coarse)).toBe(100);
    expect(coarse[1 * 16 + 1]).toBe(1);
    expect(coarse[0]).toBe(0);
  });
});

describe('annotation parsers', () => {
  it('parses NCRF JSON and refuses malformed files', () => {
    const set = parseNcrfJson(
      JSON.stringify({
        positive: [{ name: 'a', vertices: square(0, 0, 5) }],
        negative: [{ vertices: square(1, 1, 1) }],
      }),
    );
    expect(set.regions.map((r) => r.positive)).toEqual([true, false]);
    expect(() => parseNcrfJson('{"positive": [{"name": "x"}]}')).toThrow(
      /NCRF JSON: .*positive\.0\.vertices/,
    );
    expect(() => parseNcrfJson('{"positive": [')).toThrow(/not valid JSON/);
    expect(() =>
      parseNcrfJson(
        JSON.stringify({
          positive: [
            {
              vertices: [
                [0, 0],
                [1, 1],
              ],
            },
          ],
        }),
      ),
    ).toThrow(/ring of 2/);
  });

  it('parses ASAP XML and refuses malformed files', () => {
    const xml = `<?xml version="1.0"?><ASAP_Annotations><Annotations>
      <Annotation Name="A" Type="Polygon" PartOfGroup="_0"><Coordinates>
        <Coordinate Order="1" X="10" Y="0"/><Coordinate Order="0" X="0" Y="0"/><Coordinate Order="2" X="10" Y="10"/>
      </Coordinates></Annotation>
      <Annotation Name="B" Type="Polygon" PartOfGroup="_2"><Coordinates>
        <Coordinate Order="0" X="1" Y="1"/><Coordinate Order="1" X="2" Y="1"/><Coordinate Order="2" X="2" Y="2"/>
      </Coordinates></Annotation></Annotations></ASAP_Annotations>`;
    const set = parseAsapXml(xml);
    expect(set.regions[0].rings[0]).toEqual([
      [0, 0],
      [10, 0],
      [10, 10],
    ]);
    expect(set.regions.map((r) => r.positive)).toEqual([true, false]);
    expect(() => parseAsapXml('<ASAP_Annotations><Annotations>')).toThrow(/ASAP XML: malformed/);
    expect(() => parseAsapXml('<Other/>')).toThrow(/no <ASAP_Annotations>/);
  });

  it('parses GeoJSON features and refuses other geometry', () => {
    const fc = {
      type: 'FeatureCollection',
      features: [
        {
          type: 'Feature',
          geometry: { type: 'MultiPolygon', coordinates: [[square(0, 0, 4)], [square(10, 10, 4)]] },
          properties: { classification: { name: 'Tumor', colorRGB: -3670016 } },
        },
      ],
    };
    const set = parseGeoJson(JSON.stringify(fc));
    expect(set.regions).toHaveLength(2);
    expect(set.regions[0].classification).toBe('Tumor');
    expect(() => parseGeoJson(JSON.stringify({ type: 'Point', coordinates: [0, 0] }))).toThrow(
      /expected a FeatureCollection/,
    );
    expect(() =>
      parseGeoJson(JSON.stringify({ type: 'Feature', geometry: { type: 'LineString', coordinates: [] } })),
    ).toThrow(/only Polygon and MultiPolygon/);
  });

  it('enforces size limits', () => {
    const tiny = { ...DEFAULT_ANNOTATION_LIMITS, maxVertices: 3 };
    expect(() => parseNcrfJson(JSON.stringify({ positive: [{ vertices: square(0, 0, 1) }] }), tiny)).toThrow(
      /limit of 3/,
    );
  });

  it('round-trips the generator GeoJSON', () => {
    const regions = tumourRegions(buildLayout({ seed: 1000, sizeMm: 4 }));
    const back = parseAnnotations(toGeoJson(regions), 'x.geojson');
    expect(back.format).toBe('geojson');
    expect(back.regions).toHaveLength(regions.length);
    back.regions.forEach((r, i) => {
      expect(r.classification).toBe('Tumor');
      expect(r.positive).toBe(true);
      const ring = regions[i].rings[0];
      expect(r.rings[0]).toHaveLength(ring.length);
      r.rings[0].forEach(([x, y], k) => {
        expect(Math.abs(x - ring[k][0])).toBeLessThan(0.001);
        expect(Math.abs(y - ring[k][1])).toBeLessThan(0.001);
      });
    });
  });
});

describe.skipIf(!sharedAvailable('shared CAMELYON annotations', 'camelyonNcrf', 'camelyon17Asap'))(
  'shared CAMELYON annotations',
  () => {
    it('places Tumor_001 NCRF polygons on the level-5 file', () => {
      const set = parseAnnotations(readFileSync(NCRF, 'utf8'), NCRF);
      expect(set.format).toBe('ncrf-json');
      expect(() => validateAnnotationsFit(set, 3072, 7168)).toThrow(/level-0 coordinates on a lower level/);
      const level5 = scaleAnnotations(set, 1 / 32);
      validateAnnotationsFit(level5, 3072, 7168);
      const mask = rasterise(level5.regions, { x: 0, y: 0, width: 3072, height: 7168, downsample: 1 });
      const tumour = count(mask);
      // a real metastasis: thousands of level-5 pixels, yet a small part of the slide
      expect(tumour).toBeGreaterThan(2000);
      expect(tumour / mask.length).toBeLessThan(0.05);
    });

    it('parses the CAMELYON17 ASAP file to three tumour polygons', () => {
      const set = parseAnnotations(readFileSync(ASAP, 'utf8'), ASAP);
      expect(set.format).toBe('asap-xml');
      expect(set.regions).toHaveLength(3);
      for (const r of set.regions) {
        expect(r.positive).toBe(true);
        expect(r.classification).toBe('Tumor');
        expect(r.rings[0].length).toBeGreaterThanOrEqual(3);
      }
    });
  },
);
