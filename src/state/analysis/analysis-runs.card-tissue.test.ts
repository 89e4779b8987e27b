// The analysis plans patches with the tissue detection the model's card asks for:
// the default rule skips glass, 'off' analyses every patch (GlaS), a rule sets the fraction.
import 'fake-indexeddb/auto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ModelCard } from '../../inference/model-card';
import { syntheticSource } from '../../slide/synthetic-source.fixture';
import {
  disposeSessions,
  fakeEngine,
  openInStore,
  patternEntry,
  resetStores,
  testSession,
} from './analysis-fakes.fixture';

// tissue on the left half only, white glass on the right
const halfGlass = () =>
  syntheticSource(1000, 800, (x, y) => (x < 500 ? [(x + 2 * y) % 200, 90, 150] : [250, 250, 250]));

afterEach(disposeSessions);

async function wholeSlide(rule: ModelCard['tissueDetection']) {
  const entry = patternEntry('m');
  entry.card = { ...entry.card!, tissueDetection: rule };
  const source = halfGlass();
  const engine = fakeEngine([entry]);
  const session = testSession(source, { engine, viewRect: () => ({ x: 0, y: 0, width: 1000, height: 800 }) });
  openInStore(source);
  const r = await session.analyze('m', 'slide', { backend: 'wasm' });
  return { r, predicted: engine.predicted };
}

describe("the card's tissueDetection", () => {
  beforeEach(resetStores);

  it("default rule skips the glass half; 'off' analyses every patch; a rule's minFraction is used", async () => {
    const def = await wholeSlide(undefined);
    const off = await wholeSlide('off');
    const strict = await wholeSlide({ method: 'saturation-otsu', minFraction: 1 });
    const total = off.r.patches;
    expect(off.r.background).toBe(0);
    expect(off.predicted).toBe(total);
    // about half the slide is glass
    expect(def.r.background).toBeGreaterThan(total * 0.35);
    expect(def.r.background).toBeLessThan(total * 0.65);
    expect(def.r.patches + def.r.background).toBe(total);
    // patches straddling the tissue edge are kept by the default 5 % and dropped at 100 %
    expect(strict.r.background).toBeGreaterThan(def.r.background);
    // a rule whose darkest allowed pixel is white calls everything pen or glass: nothing is analysed
    const none = await wholeSlide({ method: 'saturation-otsu', minBrightness: 255 });
    expect(none.r.patches).toBe(0);
  });
});
