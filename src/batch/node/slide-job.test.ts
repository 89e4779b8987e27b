// runSlideJob in this process on a generated 1 mm² slide with a real (tiny, test) model: outputs
// are written once, the second run is skipped without loading the model, --force and a changed
// file redo it, and the heatmap file reopens as the same store.
import { readFileSync, utimesSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { beforeAll, describe, expect, it } from 'vitest';
import { decodeHeatmapBytes } from '../../heatmap/heatmap-file';
import { createEngine } from '../../inference/engine';
import { writeSyntheticSlide } from '../../synth/node/write-synthetic-slide';
import { loadBatchModel, resolveModel } from './batch-models';
import { isDone, outputPaths, readManifest } from './output-layout';
import { expandInputs } from './slide-inputs';
import { keyOf, type LoadedPredictor, runSlideJob, type SlideJob } from './slide-job';

let dir: string;
let slidePath: string;

beforeAll(async () => {
  setWasmPaths(`${resolve('node_modules/@tensorflow/tfjs-backend-wasm/dist')}/`);
  dir = await mkdtemp(join(tmpdir(), 'slide-job-'));
  slidePath = (await writeSyntheticSlide({ seed: 3101, sizeMm: 1, outDir: dir, name: 'one' })).tiff;
});

async function makeJob(force = false): Promise<SlideJob> {
  const [slide] = await expandInputs([slidePath]);
  return {
    slide,
    model: await resolveModel('test-tiny-unet'),
    out: join(dir, 'out'),
    threshold: 0.5,
    force,
    writeLog: join(dir, 'writes.log'),
  };
}

let loads = 0;
async function predictorFor(): Promise<LoadedPredictor> {
  loads++;
  const model = await loadBatchModel(resolve('models/test-tiny-unet'));
  const engine = createEngine({ backend: 'wasm', candidates: ['wasm'] });
  const d = await engine.load(model.artifacts, model.spec);
  return { model, predictor: engine, backend: d.chosen };
}

describe('runSlideJob', () => {
  it('writes every output once, skips a done job, redoes it when forced or when the file changes', async () => {
    const job = await makeJob();
    const progress: number[] = [];
    const first = await runSlideJob(job, { predictorFor, onProgress: (done) => progress.push(done) });
    expect(first.skipped).toBe(false);
    // a 1 mm² slide on test-tiny-unet's default 256 px tiles (240 µm kept): 16 tiles here
    expect(first.patches).toBeGreaterThan(8);
    expect(progress.at(-1)).toBe(first.patches);
    const paths = outputPaths(job.out, 'one', 'test-tiny-unet');
    expect(first.out).toBe(paths.dir);
    expect(await isDone(paths, keyOf(job))).toBe(true);
    const writes = () => readFileSync(join(dir, 'writes.log'), 'utf8').trim().split('\n').length;
    expect(writes()).toBe(5);
    // manifest last
    expect(readFileSync(join(dir, 'writes.log'), 'utf8').trim().split('\n').at(-1)).toMatch(
      /manifest\.json$/,
    );

    const summary = JSON.parse(readFileSync(paths.summary, 'utf8'));
    expect(summary.model.id).toBe('test-tiny-unet');
    expect(summary.metrics.dice).toBeGreaterThanOrEqual(0); // the generator's sidecar is ground truth
    const store = await decodeHeatmapBytes(readFileSync(paths.heatmap));
    expect(store.cellCount).toBe(first.patches);
    const mm2 = (store.countPixels(0.5).positive * store.info.targetMpp ** 2) / 1e6;
    expect(mm2).toBeCloseTo(summary.tumourAreaMm2, 12);
    const regions = JSON.parse(readFileSync(paths.regions, 'utf8'));
    expect(regions.type).toBe('FeatureCollection');

    const before = loads;
    const again = await runSlideJob(await makeJob(), { predictorFor });
    expect(again.skipped).toBe(true);
    expect(again.tumourAreaMm2).toBe(first.tumourAreaMm2);
    expect(loads).toBe(before);
    expect(writes()).toBe(5);

    const forced = await runSlideJob(await makeJob(true), { predictorFor });
    expect(forced.skipped).toBe(false);
    expect(forced.tumourAreaMm2).toBe(first.tumourAreaMm2);
    expect(writes()).toBe(10);

    // a newer file is another slide version: new key, not done
    const later = new Date(Date.now() + 60_000);
    utimesSync(slidePath, later, later);
    const changed = await makeJob();
    expect(keyOf(changed)).not.toBe(keyOf(job));
    expect(await isDone(paths, keyOf(changed))).toBe(false);
    expect((await readManifest(paths.manifest))?.jobKey).toBe(keyOf(job));
    // three whole-slide runs: minutes when the machine is shared
  }, 300_000);

  it("fails a file that is no slide with the reader's error", async () => {
    const bad = join(dir, 'bad.tiff');
    (await import('node:fs')).writeFileSync(bad, 'this is not a TIFF file at all');
    const [slide] = await expandInputs([bad]);
    const job = { ...(await makeJob()), slide };
    await expect(runSlideJob(job, { predictorFor })).rejects.toThrow(/bad\.tiff/);
  });
});
