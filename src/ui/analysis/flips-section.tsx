// Test-time flip averaging: each patch run on flipped (and transposed) copies, the probabilities
// averaged (src/inference/flip-average.ts). Steadier borders at N times the cost. Sticky; the
// default is each model's card (`flips`), else none.

import { FLIP_COUNTS, type FlipCount } from '../../inference/flip-count';
import type { AnalysisSession } from '../../state/analysis/analysis-session';
import { useAnalysisSlice } from './use-analysis';

export function FlipsSection({ analysis }: { analysis: AnalysisSession }) {
  const { flips } = useAnalysisSlice((s) => ({ flips: s.flips }));
  return (
    <label
      className="field"
      title="Runs each patch flipped and turned, and averages the probabilities: steadier gland and tumour borders, at that many times the time. The default is what each model's card asks for (none for most)"
    >
      <span>Flip averaging</span>
      <select
        aria-label="Flip averaging"
        data-testid="flips"
        value={flips === null ? '' : String(flips)}
        onChange={(e) =>
          analysis.display.setFlips(e.target.value === '' ? null : (Number(e.target.value) as FlipCount))
        }
      >
        <option value="">default (the model's card)</option>
        {FLIP_COUNTS.map((n) => (
          <option key={n} value={n}>
            {n === 1 ? 'off (1 run per patch)' : `${n} copies (${n}× time)`}
          </option>
        ))}
      </select>
    </label>
  );
}
