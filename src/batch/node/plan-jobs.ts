// From command-line arguments to the list of jobs (one per slide and model), shared by `analyze`
// and `enqueue` so both name and key outputs identically. Node only.
//
// Usage:
//   const jobs = await planJobs({ inputs: ['cohort/'], models: ['unet'], out: 'results' });

import { statSync } from 'node:fs';
import { resolve } from 'node:path';
import { type ModelRef, resolveModel } from './batch-models';
import { nameOwners } from './output-layout';
import { assignNames, expandInputs } from './slide-inputs';
import type { SlideJob } from './slide-job';

export interface PlanJobsOptions {
  inputs: string[];
  models: string[];
  out: string;
  modelsDir?: string;
  threshold?: number;
  force?: boolean;
  truth?: string;
  writeLog?: string;
  signal?: AbortSignal;
}

export async function planJobs(o: PlanJobsOptions): Promise<{ jobs: SlideJob[]; models: ModelRef[] }> {
  if (o.inputs.length === 0) throw new Error('no slides given');
  if (o.models.length === 0) throw new Error('no --model given');
  const threshold = o.threshold ?? 0.5;
  if (!(threshold > 0 && threshold < 1)) throw new Error('--threshold must lie in (0, 1)');
  const models: ModelRef[] = [];
  for (const m of o.models) models.push(await resolveModel(m, o.modelsDir));
  const out = resolve(o.out);
  const slides = assignNames(await expandInputs(o.inputs, { signal: o.signal }), nameOwners(out));
  if (o.truth && slides.length > 1) {
    if (statSync(o.truth).isFile())
      throw new Error('--truth FILE needs exactly one slide; give a folder of <slide-name>.geojson for many');
  }
  const jobs: SlideJob[] = [];
  for (const slide of slides)
    for (const model of models)
      jobs.push({
        slide,
        model,
        out,
        threshold,
        force: o.force ?? false,
        ...(o.truth ? { truth: resolve(o.truth) } : {}),
        ...(o.writeLog ? { writeLog: resolve(o.writeLog) } : {}),
      });
  return { jobs, models };
}
