// The output channel to show and outline, for models with several named channels (GlaS: tumour,
// gland). Hidden for single-output models.

import { modelOfKey, splitHeatmapKey } from '../../analysis/heatmap-key';
import type { AnalysisSession } from '../../state/analysis/analysis-session';
import { errorText, notifyUser } from '../../state/analysis/notify';
import { useAnalysisSlice } from './use-analysis';

export function ChannelSelect({ analysis }: { analysis: AnalysisSession }) {
  const { model, models } = useAnalysisSlice((s) => ({ model: s.model, models: s.models }));
  const card = model ? models.find((m) => m.id === modelOfKey(model))?.card : null;
  if (!model || !card || card.output.channels.length < 2) return null;
  const value = splitHeatmapKey(model).channel ?? card.output.tumourChannel;
  return (
    <label className="field">
      <span>Channel</span>
      <select
        aria-label="Output channel"
        data-testid="channel-select"
        value={value}
        onChange={(e) => {
          try {
            analysis.display.setChannel(e.target.value);
          } catch (err) {
            notifyUser('error', errorText(err));
          }
        }}
      >
        {card.output.channels.map((c) => (
          <option key={c.name} value={c.name} title={c.description}>
            {c.name}
          </option>
        ))}
      </select>
    </label>
  );
}
