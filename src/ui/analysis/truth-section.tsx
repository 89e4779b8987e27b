// Ground truth: which file (or the sidecar) is loaded, loading another, showing its outline.

import { useRef } from 'react';
import type { AnalysisSession } from '../../state/analysis/analysis-session';
import { errorText, notifyUser } from '../../state/analysis/notify';
import { useAnalysisSlice, useSlideReady } from './use-analysis';

export function TruthSection({ analysis }: { analysis: AnalysisSession }) {
  const { groundTruth, showTruth } = useAnalysisSlice((s) => ({
    groundTruth: s.groundTruth,
    showTruth: s.showTruth,
  }));
  const slideReady = useSlideReady();
  const input = useRef<HTMLInputElement>(null);
  return (
    <div className="row">
      <span className="muted">
        Ground truth: {groundTruth ? `${groundTruth.name} (${groundTruth.regions})` : 'none'}
      </span>
      <button
        type="button"
        className="btn small"
        disabled={!slideReady}
        onClick={() => input.current?.click()}
      >
        Load…
      </button>
      <input
        ref={input}
        type="file"
        hidden
        data-testid="truth-input"
        accept=".xml,.json,.geojson"
        onChange={async (e) => {
          const f = e.target.files?.[0];
          e.target.value = '';
          if (!f) return;
          try {
            analysis.setTruthFromText(await f.text(), f.name);
          } catch (err) {
            notifyUser('error', `Could not read ${f.name}: ${errorText(err)}`);
          }
        }}
      />
      {groundTruth ? (
        <label className="check">
          <input
            type="checkbox"
            checked={showTruth}
            onChange={(e) => analysis.display.setShowTruth(e.target.checked)}
          />
          Show
        </label>
      ) : null}
    </div>
  );
}
