// How the graph is converted: its batch size (patches per inference call) and float16 weight
// quantisation (half the weights to store and download; TF.js dequantises them on load). Changing
// either converts the file again when the form is submitted.

import { MAX_BATCH } from '../../inference/onnx-import/card-draft';
import { type DraftProps, numberOrNull } from './use-draft';

export function ConversionFields({ draft, edit }: DraftProps) {
  return (
    <fieldset className="onnx-fieldset">
      <legend>Conversion</legend>
      <label>
        Batch size
        <input
          aria-label="Batch size"
          type="number"
          min="1"
          max={MAX_BATCH}
          step="1"
          defaultValue={draft.batch}
          onChange={(e) => edit({ batch: numberOrNull(e.target.value) ?? 0 })}
        />
      </label>
      <label className="row">
        <input
          aria-label="float16 weights"
          type="checkbox"
          checked={draft.float16}
          onChange={(e) => edit({ float16: e.target.checked })}
        />
        float16 weights (half the size to store and download; dequantised on load)
      </label>
    </fieldset>
  );
}
