// The output: its shape from the file; what each channel means, which one is tumour, and the
// activation (already in the graph, or applied by the viewer to logits).

import type { Activation } from '../../inference/onnx-import/card-draft';
import type { DraftProps } from './use-draft';

export function OutputFields({ draft, edit }: DraftProps) {
  return (
    <fieldset className="onnx-fieldset">
      <legend>
        Output <code>{draft.outputName}</code> [{draft.outputShape.join('×')}] (NHWC, from the file)
      </legend>
      {draft.channels.map((name, k) => (
        // biome-ignore lint/suspicious/noArrayIndexKey: channels are the graph's, in its fixed order
        <label key={k}>
          Channel {k}
          <input
            aria-label={`Name of channel ${k}`}
            defaultValue={name}
            onChange={(e) => {
              const channels = draft.channels.map((c, j) => (j === k ? e.target.value.trim() : c));
              const tumourChannel = draft.tumourChannel === name ? channels[k] : draft.tumourChannel;
              edit({ channels, tumourChannel });
            }}
          />
        </label>
      ))}
      <label>
        Tumour channel
        <select
          aria-label="Tumour channel"
          value={draft.tumourChannel}
          onChange={(e) => edit({ tumourChannel: e.target.value })}
        >
          {draft.channels.map((c) => (
            <option key={c} value={c}>
              {c}
            </option>
          ))}
        </select>
      </label>
      <label>
        Activation
        <select
          aria-label="Activation"
          value={draft.activation}
          onChange={(e) => edit({ activation: e.target.value as Activation })}
        >
          <option value="sigmoid">sigmoid (per channel)</option>
          <option value="softmax">softmax (across channels)</option>
          <option value="identity">none (values are probabilities)</option>
        </select>
      </label>
      <label className="check">
        <input
          type="checkbox"
          aria-label="The graph outputs logits"
          checked={draft.applyActivation}
          disabled={draft.activation === 'identity'}
          onChange={(e) => edit({ applyActivation: e.target.checked })}
        />
        the graph outputs logits (the viewer applies the activation)
      </label>
    </fieldset>
  );
}
