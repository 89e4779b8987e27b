// Warns under the model picker when the model was trained at a pixel size far from the slide's.

import { modelOfKey } from '../../analysis/heatmap-key';
import { mppWarning as mppWarningFor } from '../../analysis/model-index';
import { useAppStore } from '../../state/use-app-store';
import { useAnalysisSlice } from './use-analysis';

export function MppWarning({ side }: { side: 'model' | 'right' }) {
  const { key, models } = useAnalysisSlice((s) => ({ key: s[side], models: s.models }));
  const mpp = useAppStore((s) => s.metadata?.mpp ?? null);
  const card = key ? models.find((m) => m.id === modelOfKey(key))?.card : null;
  const text = card ? mppWarningFor(card, mpp) : null;
  return text ? (
    <div className="muted warning" role="note" data-testid={`mpp-warning-${side}`}>
      {text}
    </div>
  ) : null;
}
