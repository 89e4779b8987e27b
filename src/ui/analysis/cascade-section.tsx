// The coarse-screen setting: the 4 µm/px U-Net's map first. MRN models then run only where it is
// unsure (the cascade); the 1 µm/px U-Net runs everywhere after it (a preview). Says which applies
// to the chosen model, and why a model has no screen (no coarse model trained on its data).

import { screenFor } from '../../state/analysis/cascade-run';
import { setAnalysis } from '../../state/analysis-store';
import { useAnalysisSlice } from './use-analysis';

export function CascadeSection() {
  const { cascade, model, models } = useAnalysisSlice((s) => ({
    cascade: s.cascade,
    model: s.model,
    models: s.models,
  }));
  const card = models.find((m) => m.id === model)?.card;
  const choice = card ? screenFor(card, models, true) : null;
  const what = !card
    ? null
    : choice?.skip
      ? `${card.id}: ${choice.id} screens first, ${card.id} runs only where it is unsure.`
      : choice
        ? `${card.id}: ${choice.id}'s coarse map first, then ${card.id} over all of it.`
        : `${card.id}: no coarse screen (no coarse model is trained on its data), so the live view runs it whole or offers the whole slide.`;
  return (
    <>
      <label
        className="check"
        title="The 4 µm/px U-Net's coarse map first. MRN models then run only where it is unsure; the 1 µm/px U-Net runs everywhere after it"
      >
        <input
          type="checkbox"
          checked={cascade}
          data-testid="cascade-toggle"
          onChange={(e) => setAnalysis({ cascade: e.target.checked })}
        />
        Coarse screen first (cascade)
      </label>
      {what && (
        <p className="muted cascade-what" data-testid="cascade-what">
          {cascade || !choice ? what : `${card?.id}: off (runs on every patch, no coarse map first).`}
        </p>
      )}
    </>
  );
}
