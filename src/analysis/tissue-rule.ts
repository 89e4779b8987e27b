// The tissue detection a model's card asks for (card.tissueDetection): 'off' analyses every patch
// (GlaS images are tissue edge to edge, so the default rule would skip glandular lumen and pale
// stroma), a rule object sets the saturation-Otsu clamps and the smallest tissue fraction of a
// patch; no field keeps the default rule. One mask per slide and rule (cached by `tissueRuleKey`).
//
// Usage:
//   const t = await tissueForRule(source, card.tissueDetection, { signal });
//   planWholeSlide({ ..., tissue: t.mask, minTissue: t.minFraction });

import type { ModelCard } from '../inference/model-card';
import type { SlideSource } from '../slide/slide-types';
import { detectTissue, type TissueMask, type TissueOptions } from '../tissue/tissue-detection';

export type TissueRule = ModelCard['tissueDetection'];

export interface TissuePlan {
  /** null: every patch is analysed */
  mask: TissueMask | null;
  /** smallest tissue fraction under a patch's kept part (undefined: the planner's default 0.05) */
  minFraction?: number;
}

export type TissueDetectorFn = (
  source: SlideSource,
  options: TissueOptions & { signal?: AbortSignal },
) => Promise<TissueMask>;

/** A key that is equal for rules that detect the same mask ('off' and the default included). */
export function tissueRuleKey(rule: TissueRule): string {
  if (rule === 'off') return 'off';
  if (!rule) return 'default';
  const { minThreshold, maxThreshold, maxBrightness, minBrightness } = rule;
  return JSON.stringify([minThreshold, maxThreshold, maxBrightness, minBrightness]);
}

/** Detects tissue as the rule says; a failed detection analyses everything (mask null). */
export async function tissueForRule(
  source: SlideSource,
  rule: TissueRule,
  options: { signal?: AbortSignal; detect?: TissueDetectorFn } = {},
): Promise<TissuePlan> {
  if (rule === 'off') return { mask: null, minFraction: 0 };
  const detect = options.detect ?? detectTissue;
  const opts: TissueOptions = {};
  if (rule) {
    for (const k of ['minThreshold', 'maxThreshold', 'maxBrightness', 'minBrightness'] as const)
      if (rule[k] !== undefined) opts[k] = rule[k];
  }
  const mask = await detect(source, { ...opts, signal: options.signal });
  return { mask, minFraction: rule?.minFraction };
}
