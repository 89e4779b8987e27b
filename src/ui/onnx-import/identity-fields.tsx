// The converted model's id (kebab-case, names its IndexedDB record and its download) and name.

import type { DraftProps } from './use-draft';

export function IdentityFields({ draft, edit }: DraftProps) {
  return (
    <fieldset className="onnx-fieldset">
      <legend>Model</legend>
      <label>
        Id
        <input aria-label="Model id" value={draft.id} onChange={(e) => edit({ id: e.target.value })} />
      </label>
      <label>
        Name
        <input aria-label="Model name" value={draft.name} onChange={(e) => edit({ name: e.target.value })} />
      </label>
    </fieldset>
  );
}
