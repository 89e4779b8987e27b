// Patches, tumour area and (with ground truth) Dice / IoU of the shown models.

import { useAnalysisSlice } from './use-analysis';

const fmt = (v: number | undefined | null, digits = 3) =>
  v === undefined || v === null ? '–' : v.toFixed(digits);

export function StatsSection() {
  const { stats, model, right } = useAnalysisSlice((s) => ({
    stats: s.stats,
    model: s.model,
    right: s.compare ? s.right : null,
  }));
  const rows = [model, right].filter((m): m is string => !!m && !!stats[m]);
  if (rows.length === 0) return null;
  const truth = rows.some((m) => stats[m].dice !== undefined);
  return (
    <table className="stats" data-testid="heatmap-stats">
      <thead>
        <tr>
          <th>Model</th>
          <th>Patches</th>
          <th>Tumour mm²</th>
          {truth ? (
            <>
              <th>Dice</th>
              <th>IoU</th>
            </>
          ) : null}
        </tr>
      </thead>
      <tbody>
        {rows.map((m) => (
          <tr key={m}>
            <td>{m}</td>
            <td>{stats[m].patches}</td>
            <td>{fmt(stats[m].tumourAreaMm2, 4)}</td>
            {truth ? (
              <>
                <td data-testid={`dice-${m}`}>{fmt(stats[m].dice)}</td>
                <td>{fmt(stats[m].iou)}</td>
              </>
            ) : null}
          </tr>
        ))}
      </tbody>
    </table>
  );
}
