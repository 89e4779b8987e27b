// The analysis panel: model and backend, heatmap style and legend, compare, ground truth, stats,
// whole-slide progress and exports. Everything goes through the AnalysisSession.

import { useRef, useState } from 'react';
import type { HeatmapStats } from '../analysis/heatmap-stats';
import { usableModels } from '../analysis/model-index';
import type { SequentialColormap } from '../heatmap/colormap';
import { backendLabel } from '../inference/backend-label';
import type { BackendChoice } from '../inference/backend-types';
import type { AnalysisSession } from '../state/analysis-session';
import { type JobInfo, setAnalysis, useAnalysisStore } from '../state/analysis-store';
import { setState } from '../state/app-store';
import { useAppStore } from '../state/use-app-store';
import { download } from './download';
import { HeatmapLegend } from './heatmap-legend';

const BACKENDS: BackendChoice[] = ['auto', 'webgpu', 'webgl', 'wasm', 'cpu'];
const COLORMAPS: SequentialColormap[] = ['inferno', 'magma', 'viridis', 'turbo'];

const fmt = (v: number | undefined | null, digits = 3) =>
  v === undefined || v === null ? '–' : v.toFixed(digits);

function formatEta(ms: number | null): string {
  if (ms === null || !Number.isFinite(ms)) return '…';
  const s = Math.round(ms / 1000);
  return s >= 60 ? `${Math.floor(s / 60)} min ${s % 60} s` : `${s} s`;
}

function JobProgress({ job, onCancel }: { job: JobInfo; onCancel(): void }) {
  const pct = job.total > 0 ? (job.done / job.total) * 100 : 0;
  return (
    <div className="job" data-testid={`job-${job.model}`}>
      <div className="job-head">
        <span>
          {job.model}: {job.mode === 'slide' ? 'whole slide' : job.mode}
        </span>
        {job.running ? (
          <button type="button" className="btn small" onClick={onCancel}>
            Cancel
          </button>
        ) : null}
      </div>
      <progress max={job.total || 1} value={job.done} aria-label={`${job.model} progress`} />
      <div className="muted job-text">
        {job.done} / {job.total} patches ({pct.toFixed(0)} %) · {job.rate.toFixed(1)} patches/s
        {job.running ? ` · ETA ${formatEta(job.etaMs)}` : ` · ${(job.elapsedMs / 1000).toFixed(1)} s`}
      </div>
    </div>
  );
}

function StatsTable({ stats, models }: { stats: Record<string, HeatmapStats>; models: string[] }) {
  const rows = models.filter((m) => stats[m]);
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

export function AnalysisPanel({ analysis }: { analysis: AnalysisSession }) {
  const a = useAnalysisStore((s) => s);
  const slideReady = useAppStore((s) => s.status === 'ready' && s.metadata !== null);
  const truthInput = useRef<HTMLInputElement>(null);
  const [modelUrl, setModelUrl] = useState('');
  if (!a.panelOpen) return null;
  const models = usableModels(a.models);
  const shown = [a.model, a.compare ? a.right : null].filter((m): m is string => !!m);
  const runtime = a.model ? a.runtimes[a.model] : undefined;
  // viewport runs come and go with pan/zoom; only explicit runs (whole slide, API) block the button
  const running = Object.values(a.jobs).some((j) => j.running && j.mode !== 'viewport');
  const exportWith = async (kind: 'geojson' | 'png' | 'json' | 'csv') => {
    const m = a.model;
    if (!m) return;
    try {
      const name = analysis.exportName(m);
      if (kind === 'geojson')
        download(JSON.stringify(analysis.regions(m)), `${name}.geojson`, 'application/geo+json');
      else if (kind === 'png') download(analysis.heatmapPng(m) as BlobPart, `${name}.png`, 'image/png');
      else
        download(
          await analysis.summaryText(m, kind),
          `${name}.${kind}`,
          kind === 'json' ? 'application/json' : 'text/csv',
        );
    } catch (e) {
      setState({ notice: { kind: 'error', message: e instanceof Error ? e.message : String(e) } });
    }
  };
  const modelSelect = (value: string | null, onChange: (v: string) => void, label: string) => (
    <select aria-label={label} value={value ?? ''} onChange={(e) => onChange(e.target.value)}>
      {value === null ? <option value="">(none)</option> : null}
      {models.map((m) => (
        <option key={m.id} value={m.id}>
          {m.card!.name}
          {m.card!.testModel ? ' [test]' : ''}
        </option>
      ))}
    </select>
  );

  return (
    <aside className="analysis-panel" data-testid="analysis-panel" aria-label="Analysis">
      <div className="panel-head">
        <h2>Tumour analysis</h2>
        <button
          type="button"
          className="btn small ghost"
          aria-label="Close"
          onClick={() => setAnalysis({ panelOpen: false })}
        >
          ✕
        </button>
      </div>
      {a.modelsError ? <p className="error-text">{a.modelsError}</p> : null}
      <div className="row">
        <button
          type="button"
          className={`btn ${a.heatmapVisible ? 'active' : ''}`}
          aria-pressed={a.heatmapVisible}
          data-testid="panel-heatmap-toggle"
          onClick={() => analysis.toggleHeatmap()}
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
            onChange={(e) => void analysis.setCompare(e.target.checked)}
          />
          Compare
        </label>
      </div>
      <div className="field">
        <span>{a.compare ? 'Left model' : 'Model'}</span>
        {modelSelect(a.model, (v) => setAnalysis({ model: v }), 'Model')}
      </div>
      {a.compare ? (
        <>
          <div className="field">
            <span>Right model</span>
            {modelSelect(a.right, (v) => setAnalysis({ right: v }), 'Right model')}
          </div>
          <div className="row">
            <label className="check">
              <input
                type="checkbox"
                checked={a.lock}
                onChange={(e) => setAnalysis({ lock: e.target.checked })}
              />
              Lock pan/zoom
            </label>
            <label className="check">
              <input
                type="checkbox"
                checked={a.difference}
                data-testid="difference-toggle"
                onChange={(e) => setAnalysis({ difference: e.target.checked })}
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
          onChange={(e) => analysis.setBackend(e.target.value as BackendChoice)}
        >
          {BACKENDS.map((b) => (
            <option key={b} value={b}>
              {b}
            </option>
          ))}
        </select>
        <span className="muted" data-testid="backend-status">
          {runtime?.status === 'ready'
            ? runtime.decision
              ? backendLabel(runtime.decision)
              : `using ${runtime.backend}`
            : runtime?.status === 'loading'
              ? 'starting…'
              : runtime?.status === 'error'
                ? 'failed'
                : ''}
        </span>
      </label>
      <div className="row">
        <label className="field">
          <span>Colours</span>
          <select
            aria-label="Colormap"
            value={a.colormap}
            onChange={(e) => setAnalysis({ colormap: e.target.value as SequentialColormap })}
          >
            {COLORMAPS.map((c) => (
              <option key={c}>{c}</option>
            ))}
          </select>
        </label>
        <label className="field grow">
          <span>Opacity {Math.round(a.opacity * 100)} %</span>
          <input
            type="range"
            aria-label="Opacity"
            min={0}
            max={1}
            step={0.05}
            value={a.opacity}
            onChange={(e) => setAnalysis({ opacity: Number(e.target.value) })}
          />
        </label>
      </div>
      <div className="row">
        <label className="check">
          <input
            type="checkbox"
            checked={a.outline}
            onChange={(e) => setAnalysis({ outline: e.target.checked })}
          />
          Outline at
        </label>
        <input
          type="range"
          aria-label="Threshold"
          min={0.05}
          max={0.95}
          step={0.05}
          value={a.threshold}
          onChange={(e) => setAnalysis({ threshold: Number(e.target.value) })}
        />
        <span>{a.threshold.toFixed(2)}</span>
      </div>
      <HeatmapLegend colormap={a.colormap} threshold={a.outline ? a.threshold : null} />
      {a.compare && a.difference ? (
        <HeatmapLegend colormap="RdBu" threshold={null} label="right − left probability" />
      ) : null}
      <div className="row">
        <span className="muted">
          Ground truth: {a.groundTruth ? `${a.groundTruth.name} (${a.groundTruth.regions})` : 'none'}
        </span>
        <button
          type="button"
          className="btn small"
          disabled={!slideReady}
          onClick={() => truthInput.current?.click()}
        >
          Load…
        </button>
        <input
          ref={truthInput}
          type="file"
          hidden
          data-testid="truth-input"
          accept=".xml,.json,.geojson"
          onChange={async (e) => {
            const f = e.target.files?.[0];
            e.target.value = '';
            if (!f) return;
            try {
              analysis.setTruthFromText(await f.text(), f.name);
            } catch (err) {
              setState({
                notice: {
                  kind: 'error',
                  message: `Could not read ${f.name}: ${err instanceof Error ? err.message : err}`,
                },
              });
            }
          }}
        />
        {a.groundTruth ? (
          <label className="check">
            <input
              type="checkbox"
              checked={a.showTruth}
              onChange={(e) => setAnalysis({ showTruth: e.target.checked })}
            />
            Show
          </label>
        ) : null}
      </div>
      <form
        className="row"
        onSubmit={(e) => {
          e.preventDefault();
          const url = modelUrl.trim();
          if (!url) return;
          analysis.addModel(url).then(
            (id) => {
              setModelUrl('');
              setAnalysis({ model: id });
            },
            (err) =>
              setState({
                notice: {
                  kind: 'error',
                  message: `Could not add the model: ${err instanceof Error ? err.message : err}`,
                },
              }),
          );
        }}
      >
        <input
          className="url-input"
          aria-label="Model URL"
          placeholder="model folder or model.json URL (card.json beside it)"
          value={modelUrl}
          onChange={(e) => setModelUrl(e.target.value)}
        />
        <button type="submit" className="btn small" disabled={!modelUrl.trim()}>
          Add model
        </button>
      </form>
      <StatsTable stats={a.stats} models={shown} />
      <div className="row">
        <button
          type="button"
          className="btn primary"
          data-testid="whole-slide"
          disabled={!slideReady || !a.model || running}
          onClick={() => void analysis.analyzeWholeSlide()}
        >
          Analyse whole slide
        </button>
        {running ? (
          <button type="button" className="btn" onClick={() => analysis.cancelAll()}>
            Cancel
          </button>
        ) : null}
      </div>
      {shown.map((m) =>
        a.jobs[m] ? <JobProgress key={m} job={a.jobs[m]} onCancel={() => analysis.cancelAll()} /> : null,
      )}
      <div className="row exports">
        <span className="muted">Export {a.model ?? ''}:</span>
        <button
          type="button"
          className="btn small"
          disabled={!a.stats[a.model ?? '']}
          onClick={() => void exportWith('geojson')}
        >
          GeoJSON
        </button>
        <button
          type="button"
          className="btn small"
          disabled={!a.stats[a.model ?? '']}
          onClick={() => void exportWith('png')}
        >
          PNG
        </button>
        <button
          type="button"
          className="btn small"
          disabled={!a.stats[a.model ?? '']}
          onClick={() => void exportWith('json')}
        >
          JSON
        </button>
        <button
          type="button"
          className="btn small"
          disabled={!a.stats[a.model ?? '']}
          onClick={() => void exportWith('csv')}
        >
          CSV
        </button>
      </div>
    </aside>
  );
}

/** Model names over each half of the split view. */
export function CompareLabels() {
  const { compare, model, right, difference, models } = useAnalysisStore((s) => s);
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
