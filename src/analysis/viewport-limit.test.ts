import { describe, expect, it } from 'vitest';
import { DEFAULT_SCREEN_RATE, VIEWPORT_SCREEN_BUDGET_S, viewportLimit } from './viewport-limit';

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
});
