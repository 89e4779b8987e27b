// From command-line arguments to the list of jobs (one per slide and model), shared by `analyze`
// and `enqueue` so both name and key outputs identically. Node only.
//
// Usage:
//   const jobs = await planJobs({ inputs: ['cohort/'], models: ['unet'], out: 'results' });
//   // MRN models get the cascade's screen (job.screen: the viewer's default); cascade: false runs them everywhere
//   await planJobs({ ..., models: ['mrn-bilinear'], cascade: false });

import { statSync } from 'node:fs';
import { resolve } from 'node:path';
import { CASCADE_SCREEN_MODEL, cascadeScreenFor } from '../../analysis/cascade-policy';
import { readModelCard } from '../../inference/node/node-model-io';
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
  /** coarse-to-fine cascade for models with a screen (default true, as in the viewer) */
  cascade?: boolean;
  signal?: AbortSignal;
}

/**
 * The cascade's screen for `model` (the app's rule, cascadeScreenFor, over the screen in the models
 * folder), or null: cascade off, no screen model there, or none fits this model.
 */
export async function screenRefFor(model: ModelRef, modelsDir?: string): Promise<ModelRef | null> {
  let screen: ModelRef;
  try {
    screen = await resolveModel(CASCADE_SCREEN_MODEL, modelsDir);
  } catch {
    return null; // no screen model installed: every model runs everywhere
  }
  const cards = [await readModelCard(model.dir), await readModelCard(screen.dir)];
  return cascadeScreenFor(cards[0], cards) === screen.id ? screen : null;
}

export async function planJobs(o: PlanJobsOptions): Promise<{ jobs: SlideJob[]; models: ModelRef[] }> {
  if (o.inputs.length === 0) throw new Error('no slides given');
  if (o.models.length === 0) throw new Error('no --model given');
  const threshold = o.threshold ?? 0.5;
  if (!(threshold > 0 && threshold < 1)) throw new Error('--threshold must lie in (0, 1)');
  const models: ModelRef[] = [];
  for (const m of o.models) models.push(await resolveModel(m, o.modelsDir));
  const screens = new Map<string, ModelRef | null>();
  for (const m of models) screens.set(m.dir, o.cascade === false ? null : await screenRefFor(m, o.modelsDir));
  const out = resolve(o.out);
  const slides = assignNames(await expandInputs(o.inputs, { signal: o.signal }), nameOwners(out));
  if (o.truth && slides.length > 1) {
    if (statSync(o.truth).isFile())
      throw new Error('--truth FILE needs exactly one slide; give a folder of <slide-name>.geojson for many');
  }
  const jobs: SlideJob[] = [];
  for (const slide of slides)
    for (const model of models) {
      const screen = screens.get(model.dir);
      jobs.push({
        slide,
        model,
        ...(screen ? { screen } : {}),
        out,
        threshold,
        force: o.force ?? false,
        ...(o.truth ? { truth: resolve(o.truth) } : {}),
        ...(o.writeLog ? { writeLog: resolve(o.writeLog) } : {}),
      });
    }
  return { jobs, models };
}
