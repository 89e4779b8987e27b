// runSlideJob with the cascade's screen on a generated 1 mm² slide (tiny test models: the tiny
// U-Net screens the tiny MRN): summary.json and the result row carry the cascade's fields, the
// manifest names the screen, and the same job without the screen is another key, so it is redone.
import { readFileSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_CASCADE_POLICY } from '../../analysis/cascade-policy';
import { createEngine } from '../../inference/engine';
import { writeSyntheticSlide } from '../../synth/node/write-synthetic-slide';
import { loadBatchModel, type ModelRef, resolveModel } from './batch-models';
import { isDone, outputPaths, readManifest } from './output-layout';
import { expandInputs } from './slide-inputs';
import { keyOf, type LoadedPredictor, runSlideJob, type SlideJob } from './slide-job';

let dir: string;
let job: SlideJob;

beforeAll(async () => {
  setWasmPaths(`${resolve('node_modules/@tensorflow/tfjs-backend-wasm/dist')}/`);
  dir = await mkdtemp(join(tmpdir(), 'slide-job-cascade-'));
  const tiff = (await writeSyntheticSlide({ seed: 3101, sizeMm: 1, outDir: dir, name: 'one' })).tiff;
  const [slide] = await expandInputs([tiff]);
  job = {
    slide,
    model: await resolveModel('test-tiny-mrn'),
    screen: await resolveModel('test-tiny-unet'),
    out: join(dir, 'out'),
    threshold: 0.5,
    force: false,
  };
}, 120_000);

const loaded = new Map<string, Promise<LoadedPredictor>>();
function predictorFor(ref: ModelRef): Promise<LoadedPredictor> {
  let p = loaded.get(ref.dir);
  if (!p) {
    p = (async () => {
      const model = await loadBatchModel(ref.dir);
      const engine = createEngine({ backend: 'wasm', candidates: ['wasm'] });
      const d = await engine.load(model.artifacts, model.spec);
      return { model, predictor: engine, backend: d.chosen };
    })();
    loaded.set(ref.dir, p);
  }
  return p;
}

describe('runSlideJob with a screen', () => {
  it('records the cascade in summary.json, the row and the manifest; without it is another job', async () => {
    const progress: [number, number][] = [];
    const r = await runSlideJob(job, { predictorFor, onProgress: (d, t) => progress.push([d, t]) });
    expect(r.skipped).toBe(false);
    const c = r.cascade!;
    expect(c.screenModel).toBe('test-tiny-unet');
    expect(c.screenPatches).toBeGreaterThan(0);
    expect(c.refinedPatches + c.skippedPatches).toBe(r.patches);
    expect(c.policy).toEqual(DEFAULT_CASCADE_POLICY);
    // progress counts the screen's patches, then the model's, and ends done
    const [done, total] = progress.at(-1)!;
    expect(done).toBe(total);
    expect(total).toBe(c.screenPatches + r.patches);

    const paths = outputPaths(job.out, 'one', 'test-tiny-mrn');
    const summary = JSON.parse(readFileSync(paths.summary, 'utf8'));
    expect(summary.cascade).toEqual(c);
    expect(summary.patches).toBe(r.patches);
    const manifest = (await readManifest(paths.manifest))!;
    expect(manifest.screen).toEqual({ id: job.screen!.id, version: job.screen!.version });
    expect(manifest.jobKey).toBe(keyOf(job));

    // done: the second run is skipped and reads the cascade back from the summary
    const again = await runSlideJob(job, { predictorFor });
    expect(again.skipped).toBe(true);
    expect(again.cascade).toEqual(c);
    // the same slide and model without the screen is not done, and runs the model everywhere
    const off: SlideJob = { ...job, screen: undefined };
    expect(await isDone(paths, keyOf(off))).toBe(false);
    const plain = await runSlideJob(off, { predictorFor });
    expect(plain.skipped).toBe(false);
    expect(plain.cascade).toBeNull();
    expect(plain.patches).toBe(r.patches);
    expect(JSON.parse(readFileSync(paths.summary, 'utf8')).cascade).toBeNull();
    expect((await readManifest(paths.manifest))!.screen).toBeNull();
  }, 300_000);
});
