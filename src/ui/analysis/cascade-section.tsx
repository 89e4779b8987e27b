// The cascade setting (coarse screen first, MRN where unsure) and, when the viewport was too large
// for even the coarse screen to be quick, the message that says so with the whole-slide run.

import type { AnalysisSession } from '../../state/analysis/analysis-session';
import { setAnalysis } from '../../state/analysis-store';
import { useAnalysisSlice, useSlideReady } from './use-analysis';

export function CascadeSection({ analysis }: { analysis: AnalysisSession }) {
  const a = useAnalysisSlice((s) => ({
    cascade: s.cascade,
    limit: s.viewportLimit,
    model: s.model,
    busy: Object.values(s.jobs).some((j) => j.running && j.mode !== 'viewport'),
  }));
  const slideReady = useSlideReady();
  const limit = a.limit && a.limit.model === a.model ? a.limit : null;
  return (
    <>
      <label
        className="check"
        title="MRN models: the 4 µm/px U-Net screens first; MRN runs only where it is unsure"
      >
        <input
          type="checkbox"
          checked={a.cascade}
          data-testid="cascade-toggle"
          onChange={(e) => setAnalysis({ cascade: e.target.checked })}
        />
        Coarse screen first (cascade)
      </label>
      {limit ? (
        <div className="viewport-limit" role="status" data-testid="viewport-limit">
          <p>
            Zoomed out too far for a live heatmap: even the coarse screen of this view ({limit.screenPatches}{' '}
            patches of {limit.screenModel}) would take about {Math.round(limit.estimateS)} s. Zoom in, or
            analyse the whole slide.
          </p>
          <button
            type="button"
            className="btn small"
            data-testid="viewport-limit-whole-slide"
            disabled={!slideReady || a.busy}
            onClick={() => void analysis.analyzeWholeSlide()}
          >
            Analyse whole slide
          </button>
        </div>
      ) : null}
    </>
  );
}
