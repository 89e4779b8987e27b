// One fieldset per graph input: its name and shape from the file; its role (two inputs: target and
// a wider context with the same centre), µm per pixel and normalisation asked for.

import type { DraftInput } from '../../inference/onnx-import/card-draft';
import { NormalizationField } from './normalization-field';
import { type DraftProps, numberOrNull } from './use-draft';

export function InputFields({ draft, edit }: DraftProps) {
  const set = (k: number, patch: Partial<DraftInput>) =>
    edit({ inputs: draft.inputs.map((i, j) => (j === k ? { ...i, ...patch } : i)) });
  return (
    <>
      {draft.inputs.map((input, k) => (
        <fieldset className="onnx-fieldset" key={input.name}>
          <legend>
            Input <code>{input.name}</code> [{input.shape.join('×')}] (NHWC, from the file)
          </legend>
          {draft.inputs.length > 1 ? (
            <label>
              Role
              <select
                aria-label={`Role of ${input.name}`}
                value={input.role}
                onChange={(e) => set(k, { role: e.target.value as DraftInput['role'] })}
              >
                <option value="target">target (the output covers it)</option>
                <option value="context">context (wider, same centre)</option>
              </select>
            </label>
          ) : null}
          <label>
            µm per pixel
            <input
              aria-label={`µm per pixel of ${input.name}`}
              type="number"
              step="any"
              min="0"
              placeholder="e.g. 0.5 at 20×"
              defaultValue={input.mpp ?? ''}
              onChange={(e) => set(k, { mpp: numberOrNull(e.target.value) })}
            />
          </label>
          <NormalizationField
            input={input.name}
            value={input.normalization}
            onChange={(normalization) => set(k, { normalization })}
          />
        </fieldset>
      ))}
    </>
  );
}
