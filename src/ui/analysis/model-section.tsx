// Heatmap on/off, compare, the model(s) with lock and difference, and the backend with its status.

import { modelOfKey } from '../../analysis/heatmap-key';
import { groupedModels } from '../../analysis/model-index';
import { backendLabel } from '../../inference/backend-label';
import { BACKEND_CHOICES, type BackendChoice } from '../../inference/backend-types';
import type { AnalysisSession } from '../../state/analysis/analysis-session';
import { ChannelSelect } from './channel-select';
import { MppWarning } from './mpp-warning';
import { useAnalysisSlice, useSlideReady } from './use-analysis';

function ModelSelect({
  value,
  onChange,
  label,
}: {
  value: string | null;
  onChange(v: string): void;
  label: string;
}) {
  const { models } = useAnalysisSlice((s) => ({ models: s.models }));
  // grouped by what the models were trained on; the value is the model (its channel is picked apart)
  return (
    <select
      aria-label={label}
      value={value ? modelOfKey(value) : ''}
      onChange={(e) => onChange(e.target.value)}
    >
      {value === null ? <option value="">(none)</option> : null}
      {groupedModels(models).map((g) => (
        <optgroup key={g.group} label={g.group}>
          {g.models.map((m) => (
            <option key={m.id} value={m.id}>
              {m.card!.name}
              {m.card!.testModel ? ' [test]' : ''}
            </option>
          ))}
        </optgroup>
      ))}
    </select>
  );
}

function BackendStatus() {
  const runtime = useAnalysisSlice((s) => ({ r: s.model ? s.runtimes[s.model] : undefined })).r;
  let text = '';
  if (runtime?.status === 'ready')
    text = runtime.decision ? backendLabel(runtime.decision) : `using ${runtime.backend}`;
  else if (runtime?.status === 'loading') text = 'starting…';
  else if (runtime?.status === 'error') text = 'failed';
  return (
    <span className="muted" data-testid="backend-status">
      {text}
    </span>
  );
}

export function ModelSection({ analysis }: { analysis: AnalysisSession }) {
  const a = useAnalysisSlice((s) => ({
    heatmapVisible: s.heatmapVisible,
    compare: s.compare,
    model: s.model,
    right: s.right,
    lock: s.lock,
    difference: s.difference,
    backend: s.backend,
  }));
  const slideReady = useSlideReady();
  const d = analysis.display;
  return (
    <>
      <div className="row">
        <button
          type="button"
          className={`btn ${a.heatmapVisible ? 'active' : ''}`}
          aria-pressed={a.heatmapVisible}
          data-testid="panel-heatmap-toggle"
          onClick={() => d.setHeatmapVisible(!a.heatmapVisible)}
          disabled={!slideReady}
        >
          Heatmap (H)
        </button>
        <label className="check">
          <input
            type="checkbox"
            checked={a.compare}
            data-testid="compare-toggle"
            disabled={!slideReady}
            onChange={(e) => void d.setCompare(e.target.checked)}
          />
          Compare
        </label>
      </div>
      <div className="field">
        <span>{a.compare ? 'Left model' : 'Model'}</span>
        <ModelSelect value={a.model} onChange={(v) => d.setModel(v)} label="Model" />
      </div>
      <ChannelSelect analysis={analysis} />
      <MppWarning side="model" />
      {a.compare ? (
        <>
          <div className="field">
            <span>Right model</span>
            <ModelSelect value={a.right} onChange={(v) => d.setRightModel(v)} label="Right model" />
          </div>
          <MppWarning side="right" />
          <div className="row">
            <label className="check">
              <input type="checkbox" checked={a.lock} onChange={(e) => d.setLock(e.target.checked)} />
              Lock pan/zoom
            </label>
            <label className="check">
              <input
                type="checkbox"
                checked={a.difference}
                data-testid="difference-toggle"
                onChange={(e) => d.setDifference(e.target.checked)}
              />
              Difference (right − left)
            </label>
          </div>
        </>
      ) : null}
      <label className="field">
        <span>Backend</span>
        <select
          aria-label="Backend"
          value={a.backend}
          onChange={(e) => d.setBackend(e.target.value as BackendChoice)}
        >
          {BACKEND_CHOICES.map((b) => (
            <option key={b} value={b}>
              {b}
            </option>
          ))}
        </select>
        <BackendStatus />
      </label>
    </>
  );
}
