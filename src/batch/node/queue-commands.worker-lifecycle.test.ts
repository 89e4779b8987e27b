// The worker's and status's behaviour on a real Redis started here, through the CLI:
// `status --wait --timeout` gives up with its JSON document (exit 3); retries of a failing job
// back off exponentially; SIGTERM finishes the current job and takes no more; a second SIGTERM
// releases the job, which another worker then finishes. Skips where redis-server is missing.

import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type Job, Queue } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectionFrom, type JobProgress } from './queue-commands';
import { BatchRig, hasRedis, until } from './redis-batch.fixture';

let rig: BatchRig;
let dir: string;
const slide = (seed: number) => rig.slide(seed);
const batch = (args: string[], logName: string) => rig.run(args, logName);
const ok = (args: string[], logName: string) => rig.ok(args, logName);
const workerArgs = (queue: string) => rig.workerArgs(['--queue', queue]);

/** The active job part-way through its slide (0 < done < total). */
async function midSlide(queue: Queue, ms: number): Promise<Job> {
  return until(
    'a job part-way through its slide',
    async () => {
      for (const j of await queue.getJobs(['active'])) {
        const p = j?.progress as JobProgress | number | undefined;
        if (j && p && typeof p === 'object' && p.done > 0 && p.done < p.total) return j;
      }
      return null;
    },
    ms,
  );
}

describe.skipIf(!hasRedis)('batch worker lifecycle on a real Redis', () => {
  beforeAll(async () => {
    rig = await BatchRig.start('batch-lifecycle-', [3101, 3102, 3105]);
    dir = rig.dir;
    writeFileSync(join(dir, 'broken.tiff'), 'this is not a TIFF file');
  }, 300_000);

  afterAll(() => rig?.stop());

  it('status --wait --timeout gives up with exit 3 and the one JSON document; without --wait it answers at once', async () => {
    const q = 'q-status';
    await rig.enqueue(
      { queue: q, model: 'test-tiny-unet', out: join(dir, 'out-status') },
      [slide(3101)],
      'st-enq.log',
    );
    const t0 = Date.now();
    const waited = batch(
      ['status', '--redis', rig.redis.url, '--queue', q, '--wait', '--timeout', '1.5'],
      'st-wait.log',
    );
    expect(await waited.exited).toBe(3);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(1500);
    const doc = JSON.parse(waited.out());
    expect(Object.keys(doc)).toEqual(['counts', 'jobs']);
    expect(doc.counts).toMatchObject({ waiting: 1, active: 0, completed: 0, failed: 0, delayed: 0 });
    expect(doc.jobs).toHaveLength(1);
    expect(Object.keys(doc.jobs[0]).sort()).toEqual([
      'attempts',
      'error',
      'model',
      'out',
      'progress',
      'screen',
      'slide',
      'state',
    ]);
    expect(doc.jobs[0]).toMatchObject({
      slide: slide(3101),
      model: 'test-tiny-unet',
      screen: null, // a U-Net has no screen
      state: 'waiting',
      attempts: 0,
      error: null,
      out: join(dir, 'out-status', 's3101', 'test-tiny-unet'),
    });
    // logs went to stderr, the document alone to stdout
    expect(readFileSync(join(dir, 'st-wait.log'), 'utf8')).toMatch(/status: 1 pending/);
    const now = JSON.parse(await ok(['status', '--redis', rig.redis.url, '--queue', q], 'st-now.log'));
    expect(now.counts.waiting).toBe(1);
  }, 120_000);

  it('retries a failing job with exponential backoff, then fails it with the reader’s error', async () => {
    const q = 'q-retry';
    const queue = new Queue(q, { connection: connectionFrom(rig.redis.url) });
    try {
      const enq = await rig.enqueue(
        {
          queue: q,
          model: 'test-tiny-unet',
          out: join(dir, 'out-retry'),
          flags: ['--attempts', '3', '--backoff', '1500'],
        },
        [join(dir, 'broken.tiff')],
        'rt-enq.log',
      );
      const id = enq.jobs[0].id;
      const w = batch(workerArgs(q), 'rt-worker.log');
      // the moment each attempt failed, and the state between attempts
      const failedAt: number[] = [];
      const between = new Set<string>();
      await until(
        'three failed attempts',
        async () => {
          const job = await queue.getJob(id);
          if (!job) return null;
          while (failedAt.length < job.attemptsMade) failedAt.push(Date.now());
          const state = await job.getState();
          if (failedAt.length > 0 && failedAt.length < 3) between.add(state);
          return state === 'failed' && job.attemptsMade === 3 ? job : null;
        },
        240_000,
      );
      const job = (await queue.getJob(id))!;
      expect(job.failedReason).toMatch(/broken\.tiff/);
      expect(job.opts.backoff).toEqual({ type: 'exponential', delay: 1500 });
      expect(between.has('delayed')).toBe(true);
      const gaps = [failedAt[1] - failedAt[0], failedAt[2] - failedAt[1]];
      console.log(`retry gaps: ${gaps.join(' ms, ')} ms (backoff 1500 ms, exponential)`);
      // 1500 then 3000 ms (each measured to the 100 ms poll)
      expect(gaps[0]).toBeGreaterThanOrEqual(1400);
      expect(gaps[1]).toBeGreaterThanOrEqual(2900);
      expect(gaps[1]).toBeGreaterThan(gaps[0] * 1.5);
      w.child.kill('SIGTERM');
      expect(await w.exited).toBe(0);
    } finally {
      await queue.close();
    }
  }, 300_000);

  it('SIGTERM finishes the current job and takes no more; a second SIGTERM releases it to another worker', async () => {
    const q = 'q-term';
    const out = join(dir, 'out-term');
    const queue = new Queue(q, { connection: connectionFrom(rig.redis.url) });
    try {
      await rig.enqueue({ queue: q, model: 'mrn-bilinear', out }, [slide(3101), slide(3102)], 'tm-enq.log');
      const first = batch(workerArgs(q), 'tm-worker-1.log');
      const job = await midSlide(queue, 300_000);
      first.child.kill('SIGTERM');
      expect(await first.exited).toBe(0);
      const done = (await queue.getJob(job.id!))!;
      expect(await done.getState()).toBe('completed');
      expect((done.progress as JobProgress).worker).toBe(
        `${(await import('node:os')).hostname()}:${first.child.pid}`,
      );
      expect(existsSync(join(done.returnvalue.out, 'manifest.json'))).toBe(true);
      // the other slide was not taken
      const counts = await queue.getJobCounts('waiting', 'active', 'completed');
      expect(counts).toMatchObject({ waiting: 1, active: 0, completed: 1 });
      expect(readFileSync(join(dir, 'tm-worker-1.log'), 'utf8')).toMatch(
        /SIGTERM: finishing current jobs, taking no more/,
      );

      // twice: the job is released (not finished here) and another worker finishes it
      const second = batch(workerArgs(q), 'tm-worker-2.log');
      const next = await midSlide(queue, 300_000);
      second.child.kill('SIGTERM');
      await new Promise((r) => setTimeout(r, 300));
      second.child.kill('SIGTERM');
      expect(await second.exited).toBe(0);
      expect(await (await queue.getJob(next.id!))!.getState()).not.toBe('completed');
      expect(existsSync(join(out, 's3102', 'mrn-bilinear', 'manifest.json'))).toBe(false);
      expect(readFileSync(join(dir, 'tm-worker-2.log'), 'utf8')).toMatch(
        /SIGTERM again: releasing current jobs/,
      );
      const third = batch(workerArgs(q), 'tm-worker-3.log');
      await until(
        'the released job finished by another worker',
        async () => (await queue.getJob(next.id!))?.finishedOn,
        400_000,
      );
      const finished = (await queue.getJob(next.id!))!;
      expect(await finished.getState()).toBe('completed');
      expect((finished.progress as JobProgress).worker).toBe(
        `${(await import('node:os')).hostname()}:${third.child.pid}`,
      );
      expect(existsSync(join(out, 's3102', 'mrn-bilinear', 'manifest.json'))).toBe(true);
      third.child.kill('SIGTERM');
      expect(await third.exited).toBe(0);
    } finally {
      await queue.close();
    }
  }, 900_000);
});
