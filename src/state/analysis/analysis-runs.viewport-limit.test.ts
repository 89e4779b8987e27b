// The live viewport run of a model without a cascade screen: the whole view or nothing. Over the
// full-pass budget (its patches at the backend's timing from load) no patch runs and viewportLimit
// says so (screenModel null); within it every planned patch of the view runs (no 600-patch cap).
import 'fake-indexeddb/auto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { VIEWPORT_FULL_BUDGET_S } from '../../analysis/viewport-limit';
import { getAnalysis } from '../analysis-store';
import {
  disposeSessions,
  fakeEngine,
  openInStore,
  patternEntry,
  resetStores,
  slideSource,
  testSession,
  until,
} from './analysis-fakes.fixture';

afterEach(disposeSessions);
beforeEach(resetStores);

/** a session whose one model's backend timing at load says `msPerBatch` (batches of 4) */
function setup(msPerBatch: number) {
  const source = slideSource();
  const engine = fakeEngine([patternEntry('plain-model')]);
  const start = engine.startInference.bind(engine);
  engine.startInference = async (url, o) => {
    const h = await start(url, o);
    h.decision.timings.push({ backend: h.decision.chosen, ok: true, msPerBatch });
    return h;
  };
  // the view is the whole 1000 × 800 px slide
  const session = testSession(source, { engine, viewRect: () => ({ x: 0, y: 0, width: 1000, height: 800 }) });
  openInStore(source);
  return { session, engine };
}

describe('viewport runs of a model without a screen', () => {
  it('over the budget: the notice, and no patch run (no partial heatmap)', async () => {
    const { session, engine } = setup(4000); // 1 patch/s
    await session.models.loadModels();
    session.display.setHeatmapVisible(true);
    const limit = await until(() => getAnalysis().viewportLimit);
    expect(limit).toMatchObject({ model: 'plain-model', screenModel: null, rate: 1 });
    expect(limit.screenPatches).toBeGreaterThan(VIEWPORT_FULL_BUDGET_S);
    expect(limit.estimateS).toBe(limit.screenPatches);
    await new Promise((r) => setTimeout(r, 300));
    expect(engine.predicted).toBe(0);
    expect(getAnalysis().jobs['plain-model']?.done ?? 0).toBe(0);
  });

  it('within it: every planned patch of the view', async () => {
    const { session, engine } = setup(1); // 4000 patches/s
    await session.models.loadModels();
    session.display.setHeatmapVisible(true);
    const job = await until(() => {
      const j = getAnalysis().jobs['plain-model'];
      return j && !j.running && j.done > 0 ? j : null;
    });
    expect(job.mode).toBe('viewport');
    expect(job.done).toBe(job.total);
    expect(engine.predicted).toBeGreaterThanOrEqual(job.total);
    expect(getAnalysis().viewportLimit).toBeNull();
  });
});
