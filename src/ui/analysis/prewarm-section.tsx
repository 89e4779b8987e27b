// The prewarm setting: the chosen model's workers start while the slide is looked at, so pressing
// H does not wait for the backend choice and the model load (src/state/analysis/prewarm.ts).

import { setAnalysis } from '../../state/analysis-store';
import { useAnalysisSlice } from './use-analysis';

const STATE_TEXT: Record<string, string> = {
  waiting: 'waiting for the page to be idle',
  running: 'loading',
  done: 'ready',
  yielded: 'gave way to a run',
  aborted: 'stopped',
  error: 'failed',
};

export function PrewarmSection() {
  const { prewarm, info } = useAnalysisSlice((s) => ({ prewarm: s.prewarm, info: s.prewarmInfo }));
  const state = info && prewarm ? STATE_TEXT[info.state] : undefined;
  return (
    <>
      <label
        className="check"
        title="Choose the backend and load the chosen model (and its coarse screen) while the slide is looked at, so H starts at once"
      >
        <input
          type="checkbox"
          checked={prewarm}
          data-testid="prewarm-toggle"
          onChange={(e) => setAnalysis({ prewarm: e.target.checked })}
        />
        Load models ahead (prewarm)
      </label>
      {state && (
        <p className="muted" data-testid="prewarm-state">
          {info!.models.join(', ')}: {state}
          {info!.state === 'done' && info!.ms !== null ? ` in ${(info!.ms / 1000).toFixed(1)} s` : ''}
        </p>
      )}
    </>
  );
}
