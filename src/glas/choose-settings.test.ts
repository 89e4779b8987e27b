import { describe, expect, it } from 'vitest';
import { chooseGradeFraction, chooseInstance, gradeAccuracyAt } from './choose-settings';

describe('settings chosen on validation', () => {
  it('picks the instance settings of the best F1, ties broken by object Dice, then grid order', () => {
    const s = (threshold: number, seedRadius: number, minArea: number, f1: number, objDice: number) => ({
      threshold,
      seedRadius,
      minArea,
      f1,
      objDice,
    });
    expect(
      chooseInstance([s(0.5, 0, 20, 0.3, 0.6), s(0.4, 6, 80, 0.5, 0.5), s(0.6, 9, 200, 0.5, 0.7)]),
    ).toEqual({
      threshold: 0.6,
      seedRadius: 9,
      minArea: 200,
    });
    expect(chooseInstance([s(0.5, 3, 20, 0.4, 0.5), s(0.5, 6, 20, 0.4, 0.5)]).seedRadius).toBe(3);
    expect(() => chooseInstance([])).toThrow('no instance settings were swept');
  });

  it('picks the grade fraction of the best accuracy, ties nearest 0.5', () => {
    const shares = [
      { grade: 'benign', share: 0.02 },
      { grade: 'benign', share: 0.15 },
      { grade: 'malignant', share: 0.25 },
      { grade: 'malignant', share: 0.9 },
    ];
    expect(gradeAccuracyAt(shares, 0.5)).toBe(0.75);
    expect(gradeAccuracyAt(shares, 0.2)).toBe(1);
    // 0.2 is the only fraction at accuracy 1 in the grid
    expect(chooseGradeFraction(shares)).toEqual({ fraction: 0.2, accuracy: 1 });
    // all benign shares at 0: every fraction from 0.05 up separates as well as any; 0.5 is nearest 0.5
    const easy = [
      { grade: 'benign', share: 0 },
      { grade: 'malignant', share: 0.95 },
    ];
    expect(chooseGradeFraction(easy)).toEqual({ fraction: 0.5, accuracy: 1 });
  });
});
