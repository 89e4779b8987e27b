// Batch results opened over the slide (drop, `?results=`, openResults): the stored summary of
// each model as the batch wrote it, beside the live stats above, which count the same store.

import { useAnalysisSlice } from './use-analysis';

const fmt = (v: number | null, digits = 3) => (v === null ? '–' : v.toFixed(digits));

export function BatchResultsSection() {
  const { results } = useAnalysisSlice((s) => ({ results: s.batchResults }));
  const rows = Object.values(results);
  if (rows.length === 0) return null;
  const truth = rows.some((r) => r.dice !== null);
  return (
    <section className="panel-section" data-testid="batch-results">
      <h3>Batch results (stored)</h3>
      <table className="stats">
        <thead>
          <tr>
            <th>Model</th>
            <th>Patches</th>
            <th>Tumour mm²</th>
            <th>Regions</th>
            {truth ? <th>Dice</th> : null}
          </tr>
        </thead>
        <tbody>
          {rows.map((r) => (
            <tr key={r.model} title={`${r.from}, ${r.backend}, ${r.createdAt}`}>
              <td>{r.model}</td>
              <td data-testid={`batch-patches-${r.model}`}>{r.patches}</td>
              <td data-testid={`batch-tumour-${r.model}`}>{fmt(r.tumourAreaMm2, 4)}</td>
              <td>{r.regions}</td>
              {truth ? <td>{fmt(r.dice)}</td> : null}
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
