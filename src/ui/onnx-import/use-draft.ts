// The card form's draft from the import store, and a setter that edits one part of it.

import type { CardDraft } from '../../inference/onnx-import/card-draft';
import type { OnnxImport } from '../../state/analysis/onnx-import';
import { useOnnxImport } from '../../state/onnx-import-store';

export interface DraftProps {
  draft: CardDraft;
  edit: (patch: Partial<CardDraft>) => void;
}

export function useDraft(onnx: OnnxImport): DraftProps | null {
  const draft = useOnnxImport((s) => s.draft);
  if (!draft) return null;
  return { draft, edit: (patch) => onnx.updateDraft({ ...draft, ...patch }) };
}

/** A number input's value, or null when empty / not a number. */
export function numberOrNull(text: string): number | null {
  const v = Number(text);
  return text.trim() === '' || !Number.isFinite(v) ? null : v;
}
