// What the model was trained on and what it is for (the card's training.data and intendedUse).

import type { DraftProps } from './use-draft';

export function UsageFields({ draft, edit }: DraftProps) {
  return (
    <fieldset className="onnx-fieldset">
      <legend>Provenance</legend>
      <label>
        Trained on
        <input
          aria-label="Training data"
          placeholder="data set, stain, scanner, magnification"
          value={draft.trainingData}
          onChange={(e) => edit({ trainingData: e.target.value })}
        />
      </label>
      <label>
        Intended use
        <input
          aria-label="Intended use"
          value={draft.intendedUse}
          onChange={(e) => edit({ intendedUse: e.target.value })}
        />
      </label>
    </fieldset>
  );
}
