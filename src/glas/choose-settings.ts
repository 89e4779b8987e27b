// Settings chosen on the validation split (`eval:glas --split val --sweep`): the instance settings
// with the best object F1 (ties: the higher object Dice, then the earlier in the grid), and the
// grade fraction with the best image-level accuracy (ties: the one nearest 0.5). Test part A is
// then scored once with what this picks (`eval:glas --settings VAL.json`).

import type { InstanceOptions } from './gland-instances';
import type { Grade } from './grade-rule';

export interface SweptInstance extends InstanceOptions {
  f1: number;
  objDice: number;
}

export const GRADE_FRACTIONS = [0.05, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9];

export function chooseInstance(sweep: readonly SweptInstance[]): InstanceOptions {
  if (sweep.length === 0) throw new Error('no instance settings were swept');
  let best = sweep[0];
  for (const s of sweep.slice(1))
    if (s.f1 > best.f1 || (s.f1 === best.f1 && s.objDice > best.objDice)) best = s;
  return {
    threshold: best.threshold,
    seedRadius: best.seedRadius,
    minArea: best.minArea,
    ...(best.borderThreshold !== undefined ? { borderThreshold: best.borderThreshold } : {}),
    ...(best.fillHoles ? { fillHoles: true } : {}),
    ...(best.minMarkerArea ? { minMarkerArea: best.minMarkerArea } : {}),
  };
}

/** Accuracy of "malignant when share > fraction" over images. */
export function gradeAccuracyAt(
  shares: readonly { grade: Grade | string; share: number }[],
  fraction: number,
): number {
  if (shares.length === 0) return 0;
  const right = shares.filter((s) => (s.share > fraction ? 'malignant' : 'benign') === s.grade).length;
  return right / shares.length;
}

export function chooseGradeFraction(
  shares: readonly { grade: Grade | string; share: number }[],
  fractions: readonly number[] = GRADE_FRACTIONS,
): { fraction: number; accuracy: number } {
  if (fractions.length === 0) throw new Error('no grade fractions to choose from');
  let best = { fraction: fractions[0], accuracy: gradeAccuracyAt(shares, fractions[0]) };
  for (const f of fractions.slice(1)) {
    const a = gradeAccuracyAt(shares, f);
    if (a > best.accuracy || (a === best.accuracy && Math.abs(f - 0.5) < Math.abs(best.fraction - 0.5)))
      best = { fraction: f, accuracy: a };
  }
  return best;
}
