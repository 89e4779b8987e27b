// Picks the parser from the file's content (and name, when given).

import {
  AnnotationError,
  type AnnotationLimits,
  type AnnotationSet,
  DEFAULT_ANNOTATION_LIMITS,
} from './annotation-types';
import { parseAsapXml } from './asap-xml';
import { parseGeoJson } from './geojson';
import { parseNcrfJson } from './ncrf-json';

export function parseAnnotations(
  text: string,
  fileName = '',
  limits: AnnotationLimits = DEFAULT_ANNOTATION_LIMITS,
): AnnotationSet {
  const head = text.slice(0, 4096).trimStart();
  if (head.startsWith('<')) return parseAsapXml(text, limits);
  if (head.startsWith('{') || head.startsWith('[')) {
    // NCRF has top-level positive/negative arrays; everything else JSON is taken for GeoJSON.
    if (/^\{\s*"(positive|negative)"\s*:/.test(head)) return parseNcrfJson(text, limits);
    return parseGeoJson(text, limits);
  }
  throw new AnnotationError(`${fileName || 'annotation file'}: neither XML nor JSON`);
}
