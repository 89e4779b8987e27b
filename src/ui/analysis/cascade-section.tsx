// The cascade setting: MRN models screened by the 4 µm/px U-Net first, MRN only where it is unsure.

import { setAnalysis } from '../../state/analysis-store';
import { useAnalysisSlice } from './use-analysis';

export function CascadeSection() {
  const { cascade } = useAnalysisSlice((s) => ({ cascade: s.cascade }));
  return (
    <label
      className="check"
      title="MRN models: the 4 µm/px U-Net screens first; MRN runs only where it is unsure"
    >
      <input
        type="checkbox"
        checked={cascade}
        data-testid="cascade-toggle"
        onChange={(e) => setAnalysis({ cascade: e.target.checked })}
      />
      Coarse screen first (cascade)
    </label>
  );
}
