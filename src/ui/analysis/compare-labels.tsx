// Model names over each half of the split view.

import { useAnalysisSlice } from './use-analysis';

export function CompareLabels() {
  const { compare, model, right, difference, models } = useAnalysisSlice((s) => ({
    compare: s.compare,
    model: s.model,
    right: s.right,
    difference: s.difference,
    models: s.models,
  }));
  if (!compare) return null;
  const name = (id: string | null) => models.find((m) => m.id === id)?.card?.name ?? id ?? '–';
  return (
    <>
      <div className="compare-label left">{name(model)}</div>
      <div className="compare-label right">
        {difference ? `${name(right)} − ${name(model)}` : name(right)}
      </div>
    </>
  );
}
