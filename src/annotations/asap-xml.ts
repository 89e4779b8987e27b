// ASAP XML (CAMELYON): <ASAP_Annotations><Annotations><Annotation Name Type PartOfGroup>
// <Coordinates><Coordinate Order X Y/>… Parsed with fast-xml-parser, which runs in Node and the
// browser alike. Groups named in `negativeGroups` (CAMELYON16's "_2") are regions to subtract.

import { XMLParser, XMLValidator } from 'fast-xml-parser';
import {
  AnnotationError,
  type AnnotationLimits,
  type AnnotationRegion,
  type AnnotationSet,
  checkRegions,
  checkSize,
  DEFAULT_ANNOTATION_LIMITS,
  type Ring,
} from './annotation-types';

export const ASAP_NEGATIVE_GROUPS = ['_2', 'Exclusion', 'exclusion', 'None'];

export function parseAsapXml(
  text: string,
  limits: AnnotationLimits = DEFAULT_ANNOTATION_LIMITS,
  negativeGroups: readonly string[] = ASAP_NEGATIVE_GROUPS,
): AnnotationSet {
  checkSize(text, limits, 'ASAP XML');
  const valid = XMLValidator.validate(text);
  if (valid !== true) {
    throw new AnnotationError(`ASAP XML: malformed at line ${valid.err.line}: ${valid.err.msg}`);
  }
  const parser = new XMLParser({
    ignoreAttributes: false,
    attributeNamePrefix: '',
    parseAttributeValue: false,
    processEntities: false,
    isArray: (name) => name === 'Annotation' || name === 'Coordinate',
  });
  const doc = parser.parse(text) as Record<string, unknown>;
  const root = doc.ASAP_Annotations as { Annotations?: { Annotation?: unknown[] } | string } | undefined;
  if (!root || typeof root !== 'object')
    throw new AnnotationError('ASAP XML: no <ASAP_Annotations> root element');
  const list = typeof root.Annotations === 'object' ? (root.Annotations.Annotation ?? []) : [];
  const regions: AnnotationRegion[] = [];
  list.forEach((a, index) => {
    const ann = a as {
      Name?: string;
      Type?: string;
      PartOfGroup?: string;
      Coordinates?: { Coordinate?: unknown[] };
    };
    const name = ann.Name ?? `annotation ${index}`;
    const type = ann.Type ?? 'Polygon';
    if (type === 'Dot' || type === 'PointSet') return; // points outline nothing
    if (type !== 'Polygon' && type !== 'Spline' && type !== 'Rectangle') {
      throw new AnnotationError(
        `ASAP XML: "${name}" has type ${type}; Polygon, Spline and Rectangle are read`,
      );
    }
    const coords = (typeof ann.Coordinates === 'object' ? (ann.Coordinates.Coordinate ?? []) : []) as {
      Order?: string;
      X?: string;
      Y?: string;
    }[];
    const ring: Ring = coords
      .map((c, k) => ({ order: c.Order === undefined ? k : Number(c.Order), x: Number(c.X), y: Number(c.Y) }))
      .sort((p, q) => p.order - q.order)
      .map((p) => [p.x, p.y]);
    const group = ann.PartOfGroup && ann.PartOfGroup !== 'None' ? ann.PartOfGroup : null;
    const positive = !(ann.PartOfGroup && negativeGroups.includes(ann.PartOfGroup));
    regions.push({ name, classification: group, positive, rings: [ring] });
  });
  checkRegions(regions, limits, 'ASAP XML');
  return { format: 'asap-xml', regions };
}
