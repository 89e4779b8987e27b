// NCRF JSON (Baidu NCRF's CAMELYON16 conversion): {positive: [{name, vertices: [[x, y], …]}], negative: […]}.

import { z } from 'zod';
import {
  AnnotationError,
  type AnnotationLimits,
  type AnnotationRegion,
  type AnnotationSet,
  checkRegions,
  DEFAULT_ANNOTATION_LIMITS,
  parseJsonText,
} from './annotation-types';

const Polygon = z.object({
  name: z.string().optional(),
  vertices: z.array(z.tuple([z.number(), z.number()])),
});
const NcrfDoc = z.object({
  positive: z.array(Polygon).default([]),
  negative: z.array(Polygon).default([]),
});

export function parseNcrfJson(
  text: string,
  limits: AnnotationLimits = DEFAULT_ANNOTATION_LIMITS,
): AnnotationSet {
  const raw = parseJsonText(text, limits, 'NCRF JSON');
  const parsed = NcrfDoc.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new AnnotationError(`NCRF JSON: ${issue.message} at ${issue.path.join('.') || 'top level'}`);
  }
  const regions: AnnotationRegion[] = [];
  for (const positive of [true, false]) {
    const list = positive ? parsed.data.positive : parsed.data.negative;
    list.forEach((p, i) => {
      regions.push({
        name: p.name ?? `${positive ? 'positive' : 'negative'} ${i}`,
        classification: positive ? 'Tumor' : null,
        positive,
        rings: [p.vertices.map(([x, y]) => [x, y] as [number, number])],
      });
    });
  }
  checkRegions(regions, limits, 'NCRF JSON');
  return { format: 'ncrf-json', regions };
}
