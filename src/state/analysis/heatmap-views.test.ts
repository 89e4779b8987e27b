import { describe, expect, it } from 'vitest';
import { ProbabilityStore } from '../../heatmap/probability-store';
import { initialAnalysisState } from '../analysis-store';
import { layerContent } from './heatmap-views';

const store = (id: string, value: number) => {
  const s = new ProbabilityStore({ modelId: id, targetMpp: 1, slideMpp: 1, targetSize: 64, margin: 8 });
  s.setCell(0, 0, new Uint8Array(48 * 48).fill(Math.round(value * 254)));
  return s;
};

describe('layerContent', () => {
  const stores = new Map([
    ['unet', store('unet', 0.2)],
    ['mrn', store('mrn', 0.9)],
  ]);
  const a = { ...initialAnalysisState, model: 'unet', right: 'mrn', heatmapVisible: true };

  it('draws the shown model with the chosen style, and nothing when hidden', () => {
    const left = layerContent('left', { ...a, colormap: 'viridis' }, stores, null);
    expect(left?.style).toMatchObject({ colormap: 'viridis', opacity: a.opacity, threshold: a.threshold });
    expect(left?.sampler?.(10, 10)).toBeCloseTo(0.2, 2);
    expect(layerContent('left', { ...a, heatmapVisible: false }, stores, null)).toBeNull();
    expect(layerContent('left', { ...a, outline: false }, stores, null)?.style.threshold).toBeNull();
    expect(layerContent('left', a, null, null)).toBeNull();
  });

  it('draws right − left in the difference view, and the truth outline when asked', () => {
    const right = layerContent('right', { ...a, compare: true, difference: true }, stores, null);
    expect(right?.style.colormap).toBe('RdBu');
    expect(right?.sampler?.(10, 10)).toBeCloseTo(0.7, 2);
    const truth = () => 1;
    const hidden = { ...a, heatmapVisible: false };
    expect(layerContent('left', hidden, stores, truth)?.truth).toBe(truth);
    expect(layerContent('left', { ...hidden, showTruth: false }, stores, truth)).toBeNull();
  });
});
