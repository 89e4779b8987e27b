// Distributed batch on a real Redis started here: six generated 1 mm² slides and one bad file,
// two workers, one SIGKILLed mid-slide and replaced, Redis killed and restarted mid-run. Every
// good slide completes exactly once (one write per output), the bad file fails with the reader's
// error, and the outputs equal `analyze` in one process, the cascade's counts included (MRN runs
// the coarse-to-fine cascade by default). Skips where redis-server is missing.

import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Queue } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FILE_NAMES } from './output-layout';
import { connectionFrom, DEFAULT_QUEUE, type JobProgress, readStatus } from './queue-commands';
import { BatchRig, hasRedis, type Run, until } from './redis-batch.fixture';

/** seeds whose layout fits 1 mm (the generator redraws others until it gives up) */
const SEEDS = [3101, 3102, 3105, 3107, 3111, 3117];
const MODEL = 'mrn-bilinear';

let rig: BatchRig;
let dir: string;

const roundCoords = (fc: { features: { geometry: { coordinates: number[][][] } }[] }) =>
  fc.features.map((f) =>
    f.geometry.coordinates.map((ring) => ring.map((p) => p.map((v) => Math.round(v * 100) / 100))),
  );

describe.skipIf(!hasRedis)('batch on BullMQ with a real Redis', () => {
  beforeAll(async () => {
    rig = await BatchRig.start('batch-queue-', SEEDS);
    dir = rig.dir;
    writeFileSync(join(dir, 'slides', 'broken.tiff'), 'this is not a TIFF file');
  });

  afterAll(() => rig?.stop());

  it('survives a SIGKILLed worker and a Redis restart; each slide once; equals analyze', async () => {
    const url = rig.redis.url;
    const writeLog = join(dir, 'writes.log');
    const out = join(dir, 'out');
    const enq = await rig.enqueue(
      { model: MODEL, out, flags: ['--attempts', '2', '--backoff', '500', '--write-log', writeLog] },
      [join(dir, 'slides')],
      'enqueue.log',
    );
    expect(enq.jobs).toHaveLength(7);
    // enqueueing again adds nothing: the job id is the slide + model key
    const again = await rig.enqueue(
      { model: MODEL, out, flags: ['--write-log', writeLog] },
      [join(dir, 'slides')],
      'enqueue2.log',
    );
    expect(again.jobs.every((j: { added: boolean }) => !j.added)).toBe(true);

    const workers = new Map<number, Run>();
    const worker = ['--concurrency', '1'];
    for (const name of ['a', 'b']) {
      const w = rig.run(rig.workerArgs(worker), `worker-${name}.log`);
      workers.set(w.child.pid ?? 0, w);
    }
    const queue = new Queue(DEFAULT_QUEUE, { connection: connectionFrom(url) });
    try {
      // SIGKILL the worker of a job that is part-way through its slide
      const victim = await until(
        'a job in progress',
        async () => {
          for (const job of await queue.getJobs(['active'])) {
            const p = job?.progress as JobProgress | number;
            if (typeof p === 'object' && p.done > 0 && p.done < p.total) {
              const pid = Number(p.worker.split(':').pop());
              if (workers.has(pid)) return { pid, id: job.id, progress: p };
            }
          }
          return null;
        },
        180_000,
      );
      workers.get(victim.pid)?.child.kill('SIGKILL');
      await workers.get(victim.pid)?.exited;
      const replacement = rig.run(rig.workerArgs(worker), 'worker-c.log');
      workers.set(replacement.child.pid ?? 0, replacement);

      // the killed job moves to another worker once its lock lapses
      await until(
        'the killed job to be taken over',
        async () => {
          const job = await queue.getJob(victim.id ?? '');
          const p = job?.progress as JobProgress | undefined;
          const state = await job?.getState();
          return (
            state === 'completed' ||
            (state === 'active' && p && Number(p.worker.split(':').pop()) !== victim.pid)
          );
        },
        120_000,
      );

      // kill Redis mid-run and bring it back on its append-only file
      await until(
        'two more slides done',
        async () => (await queue.getJobCounts('completed')).completed >= 2,
        180_000,
      );
      const before = await readStatus(queue);
      await rig.redis.kill();
      await new Promise((r) => setTimeout(r, 1000));
      await rig.redis.start();
      const after = await readStatus(queue);
      expect(after.jobs).toHaveLength(7);
      expect(after.counts.completed).toBeGreaterThanOrEqual(before.counts.completed);

      const status = JSON.parse(
        await rig.ok(['status', '--redis', url, '--wait', '--timeout', '240'], 'status.log'),
      );
      expect(Object.keys(status)).toEqual(['counts', 'jobs']);
      expect(status.counts).toMatchObject({ completed: 6, failed: 1, active: 0, waiting: 0, delayed: 0 });
      for (const j of status.jobs)
        expect(Object.keys(j)).toEqual([
          'slide',
          'model',
          'screen',
          'state',
          'attempts',
          'error',
          'out',
          'progress',
        ]);
      // the cascade is on by default for MRN, as in the viewer: the 4 µm/px screen runs first
      expect(status.jobs.every((j: { screen: string }) => j.screen === 'unet-context')).toBe(true);
      const bad = status.jobs.find((j: { slide: string }) => j.slide.endsWith('broken.tiff'));
      expect(bad).toMatchObject({ state: 'failed', attempts: 2 });
      expect(bad.error).toMatch(/broken\.tiff is not a TIFF file/);
      for (const j of status.jobs.filter((x: { state: string }) => x.state === 'completed'))
        expect(j.progress.done).toBe(j.progress.total);

      // one write of each output per slide: the killed worker never wrote, nothing ran twice
      const writes = readFileSync(writeLog, 'utf8')
        .trim()
        .split('\n')
        .map((l) => l.split('\t')[1]);
      const perFile = new Map<string, number>();
      for (const w of writes) perFile.set(w, (perFile.get(w) ?? 0) + 1);
      expect(writes).toHaveLength(SEEDS.length * 5);
      expect([...perFile.values()].every((n) => n === 1)).toBe(true);
      for (const seed of SEEDS)
        for (const f of Object.values(FILE_NAMES))
          expect(perFile.get(join(out, `s${seed}`, MODEL, f))).toBe(1);
    } finally {
      await queue.close();
      for (const w of workers.values()) w.child.kill('SIGTERM');
      await Promise.all([...workers.values()].map((w) => w.exited));
    }

    // the same slides in one process give the same numbers and regions
    const single = join(dir, 'single');
    const ran = JSON.parse(
      await rig.ok(
        [
          'analyze',
          '--model',
          MODEL,
          '--out',
          single,
          ...SEEDS.map((s) => join(dir, 'slides', `s${s}.tiff`)),
        ],
        'analyze.log',
      ),
    );
    expect(ran.failed).toBe(0);
    for (const seed of SEEDS) {
      const a = JSON.parse(readFileSync(join(out, `s${seed}`, MODEL, 'summary.json'), 'utf8'));
      const b = JSON.parse(readFileSync(join(single, `s${seed}`, MODEL, 'summary.json'), 'utf8'));
      expect(a.tumourAreaMm2).toBe(b.tumourAreaMm2);
      expect(a.analysedAreaMm2).toBe(b.analysedAreaMm2);
      expect(a.patches).toBe(b.patches);
      expect(a.metrics.dice).toBe(b.metrics.dice);
      // the cascade's fields: every planned patch of MRN computed by it or filled from the screen
      expect(a.cascade).toMatchObject({
        screenModel: 'unet-context',
        policy: { low: 0.1, high: 0.8, haloUm: 8 },
      });
      expect(a.cascade.refinedPatches + a.cascade.skippedPatches).toBe(a.patches);
      expect(a.cascade.screenPatches).toBeGreaterThan(0);
      expect(b.cascade).toMatchObject({
        screenModel: 'unet-context',
        refinedPatches: a.cascade.refinedPatches,
        skippedPatches: a.cascade.skippedPatches,
        screenPatches: a.cascade.screenPatches,
      });
      const ga = JSON.parse(readFileSync(join(out, `s${seed}`, MODEL, 'regions.geojson'), 'utf8'));
      const gb = JSON.parse(readFileSync(join(single, `s${seed}`, MODEL, 'regions.geojson'), 'utf8'));
      expect(roundCoords(ga)).toEqual(roundCoords(gb));
      expect(existsSync(join(single, `s${seed}`, MODEL, 'manifest.json'))).toBe(true);
    }
  }, 600_000);
});
