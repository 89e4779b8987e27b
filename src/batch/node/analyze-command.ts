// `batch analyze`: every job in this process, `concurrency` analysis threads at a time, progress on
// stderr. Returns one result row per job (errors included); the CLI prints them as JSON.
//
// Usage:
//   const rows = await analyzeAll(jobs, { concurrency: 1, reporter, signal });

import { basename } from 'node:path';
import type { ProgressReporter } from '../progress-report';
import { AnalysisPool } from './analysis-pool';
import type { SlideJob, SlideJobResult } from './slide-job';

export interface AnalyzeRow extends Partial<SlideJobResult> {
  slide: string;
  model: string;
  error: string | null;
}

export async function analyzeAll(
  jobs: SlideJob[],
  options: { concurrency?: number; backend?: string; reporter?: ProgressReporter; signal?: AbortSignal },
): Promise<AnalyzeRow[]> {
  const pool = new AnalysisPool({ threads: Math.max(1, options.concurrency ?? 1), backend: options.backend });
  const rows: AnalyzeRow[] = new Array(jobs.length);
  let next = 0;
  const lane = async () => {
    while (next < jobs.length && !options.signal?.aborted) {
      const i = next++;
      const job = jobs[i];
      const label = `${job.slide.name || basename(job.slide.source)} ${job.model.id}`;
      try {
        const r = await pool.run(job, {
          signal: options.signal,
          onProgress: (done, total) => options.reporter?.update(label, done, total),
        });
        rows[i] = { slide: job.slide.source, model: job.model.id, ...r, error: null };
        options.reporter?.finish(
          label,
          r.skipped
            ? 'already done (skipped; --force redoes it)'
            : `${r.patches} patches in ${(r.elapsedMs / 1000).toFixed(1)} s, tumour ${r.tumourAreaMm2.toFixed(4)} mm²${
                r.cascade
                  ? ` (cascade: ${r.cascade.refinedPatches} refined, ${r.cascade.skippedPatches} from ${r.cascade.screenModel})`
                  : ''
              }`,
        );
      } catch (e) {
        rows[i] = { slide: job.slide.source, model: job.model.id, error: (e as Error).message };
        options.reporter?.finish(label, `failed: ${(e as Error).message}`);
      }
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.max(1, options.concurrency ?? 1) }, lane));
  } finally {
    await pool.close();
  }
  return rows.filter(Boolean);
}
