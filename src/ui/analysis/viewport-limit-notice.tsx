// Shown over the viewer when the live heatmap did not run: zoomed out so far that even the coarse
// screen of the view (or, for a model without a screen, GlaS and ONNX imports, its own pass over the
// view) would take more than a few seconds (src/analysis/viewport-limit.ts). Offers the whole-slide run instead.

import type { AnalysisSession } from '../../state/analysis/analysis-session';
import { useAnalysisSlice, useSlideReady } from './use-analysis';

export function ViewportLimitNotice({ analysis }: { analysis: AnalysisSession }) {
  const a = useAnalysisSlice((s) => ({
    limit: s.viewportLimit,
    model: s.model,
    visible: s.heatmapVisible,
    busy: Object.values(s.jobs).some((j) => j.running && j.mode !== 'viewport'),
  }));
  const slideReady = useSlideReady();
  const limit = a.limit && a.limit.model === a.model && a.visible ? a.limit : null;
  if (!limit || !slideReady) return null;
  return (
    <div className="viewport-limit" role="status" data-testid="viewport-limit">
      <p>
        {limit.screenModel
          ? `Zoomed out too far for a live heatmap: even the coarse screen of this view (${limit.screenPatches} patches of ${limit.screenModel})`
          : `Zoomed out too far for a live heatmap: this view (${limit.screenPatches} patches of ${limit.model}, which has no coarse screen: no coarse model is trained on its data)`}{' '}
        would take about {Math.round(limit.estimateS)} s. Zoom in, or analyse the whole slide.
      </p>
      <button
        type="button"
        className="btn small primary"
        data-testid="viewport-limit-whole-slide"
        disabled={a.busy}
        onClick={() => void analysis.analyzeWholeSlide()}
      >
        {a.busy ? 'Analysing the whole slide…' : 'Analyse whole slide'}
      </button>
    </div>
  );
}
