// Models converted from ONNX in this browser (kept in IndexedDB): download as a TF.js model folder
// (zip: model.json, weights, card.json) or remove.

import type { AnalysisSession } from '../../state/analysis/analysis-session';
import { errorText, notifyUser } from '../../state/analysis/notify';
import { useOnnxImport } from '../../state/onnx-import-store';
import { formatBytes } from '../../util/format-bytes';
import { download } from '../download';

export function ConvertedModelsSection({ analysis }: { analysis: AnalysisSession }) {
  const converted = useOnnxImport((s) => s.converted);
  if (converted.length === 0) return null;
  return (
    <section aria-label="Converted models">
      <h3>Converted in this browser</h3>
      {converted.map((m) => (
        <div className="row" key={m.id} data-testid={`converted-${m.id}`}>
          <span title={`${m.source}, ${m.savedAt}`}>
            {m.name} <span className="muted">({formatBytes(m.weightBytes)})</span>
          </span>
          <button
            type="button"
            className="btn small"
            aria-label={`Download ${m.id}`}
            onClick={() =>
              analysis.onnx.download(m.id).then(
                (z) => download(z.bytes as Uint8Array<ArrayBuffer>, z.name, 'application/zip'),
                (e) => notifyUser('error', errorText(e)),
              )
            }
          >
            Download
          </button>
          <button
            type="button"
            className="btn small ghost"
            aria-label={`Remove ${m.id}`}
            onClick={() => analysis.onnx.remove(m.id).catch((e) => notifyUser('error', errorText(e)))}
          >
            Remove
          </button>
        </div>
      ))}
    </section>
  );
}
