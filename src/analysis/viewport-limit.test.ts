import { describe, expect, it } from 'vitest';
import {
  DEFAULT_SCREEN_RATE,
  defaultRateFor,
  VIEWPORT_FULL_BUDGET_S,
  VIEWPORT_SCREEN_BUDGET_S,
  viewportLimit,
} from './viewport-limit';

describe('viewportLimit', () => {
  it('lets a view through while its screen fits the budget at the measured rate', () => {
    expect(viewportLimit('mrn', 'screen', 100, 40)).toBeNull(); // 2.5 s
    expect(viewportLimit('mrn', 'screen', 200, 40)).toBeNull(); // 5 s: on the budget
    expect(viewportLimit('mrn', 'screen', 201, 40)).toMatchObject({
      model: 'mrn',
      screenModel: 'screen',
      screenPatches: 201,
      estimateS: 201 / 40,
      budgetS: VIEWPORT_SCREEN_BUDGET_S,
      rate: 40,
    });
  });

  it('uses the default rate before one was measured, and a given budget', () => {
    const n = DEFAULT_SCREEN_RATE * VIEWPORT_SCREEN_BUDGET_S;
    expect(viewportLimit('mrn', 's', n, undefined)).toBeNull();
    expect(viewportLimit('mrn', 's', n + 1, 0)?.rate).toBe(DEFAULT_SCREEN_RATE);
    expect(viewportLimit('mrn', 's', 30, 10, 2)?.estimateS).toBe(3);
  });

  it('a model without a screen: its own patches of the view at its rate, a default scaled by tile area', () => {
    expect(defaultRateFor(64)).toBe(DEFAULT_SCREEN_RATE);
    expect(defaultRateFor(256)).toBe(DEFAULT_SCREEN_RATE / 16);
    // 601 U-Net patches (over the old 600 cap) at 40 patches/s: 15 s, over the full-pass budget
    expect(viewportLimit('unet', null, 601, 40, VIEWPORT_FULL_BUDGET_S)).toMatchObject({
      model: 'unet',
      screenModel: null,
      screenPatches: 601,
      budgetS: VIEWPORT_FULL_BUDGET_S,
    });
    expect(viewportLimit('unet', null, 400, 40, VIEWPORT_FULL_BUDGET_S)).toBeNull();
    // before a rate is known, 256 px tiles at the scaled default
    expect(viewportLimit('unet', null, 18, undefined, 10, defaultRateFor(256))).toBeNull(); // 9.6 s
    expect(viewportLimit('unet', null, 19, undefined, 10, defaultRateFor(256))?.rate).toBe(30 / 16);
  });
});
