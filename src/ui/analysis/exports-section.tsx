// Exports of the main model's heatmap: tumour regions (GeoJSON, QuPath), PNG, summary JSON / CSV.

import type { AnalysisSession } from '../../state/analysis/analysis-session';
import { errorText, notifyUser } from '../../state/analysis/notify';
import { download } from '../download';
import { useAnalysisSlice } from './use-analysis';

type ExportKind = 'geojson' | 'png' | 'json' | 'csv';
const KINDS: [ExportKind, string][] = [
  ['geojson', 'GeoJSON'],
  ['png', 'PNG'],
  ['json', 'JSON'],
  ['csv', 'CSV'],
];

async function exportWith(analysis: AnalysisSession, m: string, kind: ExportKind): Promise<void> {
  const name = analysis.exportName(m);
  const x = analysis.exports;
  if (kind === 'geojson') download(JSON.stringify(x.regions(m)), `${name}.geojson`, 'application/geo+json');
  else if (kind === 'png') download(x.heatmapPng(m) as BlobPart, `${name}.png`, 'image/png');
  else
    download(
      await x.summaryText(m, kind),
      `${name}.${kind}`,
      kind === 'json' ? 'application/json' : 'text/csv',
    );
}

export function ExportsSection({ analysis }: { analysis: AnalysisSession }) {
  const { model, analysed } = useAnalysisSlice((s) => ({
    model: s.model,
    analysed: !!s.stats[s.model ?? ''],
  }));
  return (
    <div className="row exports">
      <span className="muted">Export {model ?? ''}:</span>
      {KINDS.map(([kind, label]) => (
        <button
          key={kind}
          type="button"
          className="btn small"
          disabled={!analysed}
          onClick={() => {
            if (model) exportWith(analysis, model, kind).catch((e) => notifyUser('error', errorText(e)));
          }}
        >
          {label}
        </button>
      ))}
    </div>
  );
}
