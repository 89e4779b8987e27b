// Ground truth: which file (or the sidecar) is loaded, loading another (an annotation file, or a
// label-mask PNG/TIFF with its Grade.csv picked together), showing its outline.

import { useRef } from 'react';
import type { AnalysisSession } from '../../state/analysis/analysis-session';
import { errorText, notifyUser } from '../../state/analysis/notify';
import { useAnalysisSlice, useSlideReady } from './use-analysis';

export function TruthSection({ analysis }: { analysis: AnalysisSession }) {
  const { groundTruth, showTruth } = useAnalysisSlice((s) => ({
    groundTruth: s.groundTruth,
    showTruth: s.showTruth,
  }));
  const slideReady = useSlideReady();
  const input = useRef<HTMLInputElement>(null);
  return (
    <div className="row">
      <span className="muted">
        Ground truth:{' '}
        {groundTruth
          ? groundTruth.regions > 0
            ? `${groundTruth.name} (${groundTruth.regions})`
            : `${groundTruth.name} (${groundTruth.channels.join(', ')}${groundTruth.grade ? `; ${groundTruth.grade}` : '; grade unknown'})`
          : 'none'}
      </span>
      <button
        type="button"
        className="btn small"
        disabled={!slideReady}
        onClick={() => input.current?.click()}
      >
        Load…
      </button>
      <input
        ref={input}
        type="file"
        hidden
        data-testid="truth-input"
        multiple
        accept=".xml,.json,.geojson,.png,.tif,.tiff,.csv"
        onChange={async (e) => {
          const files = [...(e.target.files ?? [])];
          e.target.value = '';
          const csv = files.find((f) => /\.csv$/i.test(f.name));
          const f = files.find((x) => x !== csv);
          if (!f) return;
          try {
            if (/\.(png|tiff?)$/i.test(f.name)) {
              const gradeCsv = csv ? await csv.text() : null;
              await analysis.setTruthFromMask(new Uint8Array(await f.arrayBuffer()), f.name, { gradeCsv });
            } else await analysis.setTruthFromTextWhenReady(await f.text(), f.name);
          } catch (err) {
            notifyUser('error', `Could not read ${f.name}: ${errorText(err)}`);
          }
        }}
      />
      {groundTruth ? (
        <label className="check">
          <input
            type="checkbox"
            checked={showTruth}
            onChange={(e) => analysis.display.setShowTruth(e.target.checked)}
          />
          Show
        </label>
      ) : null}
    </div>
  );
}
