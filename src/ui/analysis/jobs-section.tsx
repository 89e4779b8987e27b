// "Analyse whole slide", and the progress (done / total, rate, ETA) of the shown models' runs.

import type { AnalysisSession } from '../../state/analysis/analysis-session';
import type { JobInfo } from '../../state/analysis-store';
import { useAnalysisSlice, useSlideReady } from './use-analysis';

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

export function JobsSection({ analysis }: { analysis: AnalysisSession }) {
  const { left, right, model } = useAnalysisSlice((s) => ({
    model: s.model,
    left: s.model ? s.jobs[s.model] : undefined,
    right: s.compare && s.right ? s.jobs[s.right] : undefined,
  }));
  // viewport runs come and go with pan/zoom; only explicit runs (whole slide, API) block the button
  const running = useAnalysisSlice((s) => ({
    r: Object.values(s.jobs).some((j) => j.running && j.mode !== 'viewport'),
  })).r;
  const slideReady = useSlideReady();
  const cancel = () => analysis.cancelAll();
  return (
    <>
      <div className="row">
        <button
          type="button"
          className="btn primary"
          data-testid="whole-slide"
          disabled={!slideReady || !model || running}
          onClick={() => void analysis.analyzeWholeSlide()}
        >
          Analyse whole slide
        </button>
        {running ? (
          <button type="button" className="btn" onClick={cancel}>
            Cancel
          </button>
        ) : null}
      </div>
      {[left, right].map((job) => (job ? <JobProgress key={job.model} job={job} onCancel={cancel} /> : null))}
    </>
  );
}
