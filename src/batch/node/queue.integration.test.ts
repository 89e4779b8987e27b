// Distributed batch on a real Redis started here: six generated 1 mm² slides and one bad file,
// two workers, one SIGKILLed mid-slide and replaced, Redis killed and restarted mid-run. Every
// good slide completes exactly once (one write per output), the bad file fails with the reader's
// error, and the outputs equal `analyze` in one process. Skips where redis-server is missing.

import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { createWriteStream, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Queue } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeSyntheticSlide } from '../../synth/node/write-synthetic-slide';
import { FILE_NAMES } from './output-layout';
import { connectionFrom, DEFAULT_QUEUE, type JobProgress, readStatus } from './queue-commands';
import { type LocalRedis, startRedis } from './redis-server';

const hasRedis = (() => {
  try {
    execFileSync('redis-server', ['--version']);
    return true;
  } catch {
    return false;
  }
})();

/** seeds whose layout fits 1 mm (the generator redraws others until it gives up) */
const SEEDS = [3101, 3102, 3105, 3107, 3111, 3117];
const MODEL = 'mrn-bilinear';

let dir: string;
let redis: LocalRedis;
const children = new Set<ChildProcess>();

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

/** `node --import tsx scripts/batch.ts …`: its pid is the worker's own (no wrapper to signal). */
function batch(args: string[], logName: string): ChildProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/batch.ts', ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const log = createWriteStream(join(dir, logName));
  child.stdout?.pipe(log);
  child.stderr?.pipe(log);
  children.add(child);
  child.on('exit', () => children.delete(child));
  return child;
}

function finished(child: ChildProcess): Promise<number> {
  return new Promise((resolve) => {
    // a signalled child has signalCode set and exitCode null; its 'exit' may have fired already
    if (child.exitCode !== null || child.signalCode !== null) return resolve(child.exitCode ?? -1);
    child.on('exit', (code) => resolve(code ?? -1));
  });
}

async function runToEnd(args: string[], logName: string): Promise<string> {
  const child = batch(args, logName);
  let out = '';
  child.stdout?.on('data', (d) => {
    out += d;
  });
  const code = await finished(child);
  if (code !== 0)
    throw new Error(
      `batch ${args[0]} exited ${code}:\n${readFileSync(join(dir, logName), 'utf8').slice(-3000)}`,
    );
  return out;
}

async function until<T>(
  what: string,
  f: () => Promise<T | null | undefined | false>,
  timeoutMs: number,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await f();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 150));
  }
}

const workerArgs = (url: string) => [
  'worker',
  '--redis',
  url,
  '--concurrency',
  '1',
  '--lock-ms',
  '4000',
  '--stall-ms',
  '2000',
];

const roundCoords = (fc: { features: { geometry: { coordinates: number[][][] } }[] }) =>
  fc.features.map((f) =>
    f.geometry.coordinates.map((ring) => ring.map((p) => p.map((v) => Math.round(v * 100) / 100))),
  );

describe.skipIf(!hasRedis)('batch on BullMQ with a real Redis', () => {
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'batch-queue-'));
    for (const seed of SEEDS)
      await writeSyntheticSlide({ seed, sizeMm: 1, outDir: join(dir, 'slides'), name: `s${seed}` });
    writeFileSync(join(dir, 'slides', 'broken.tiff'), 'this is not a TIFF file');
    redis = await startRedis({ port: await freePort(), dir: join(dir, 'redis') });
  });

  afterAll(async () => {
    for (const c of children) c.kill('SIGKILL');
    await redis?.stop();
  });

  it('survives a SIGKILLed worker and a Redis restart; each slide once; equals analyze', async () => {
    const url = redis.url;
    const writeLog = join(dir, 'writes.log');
    const out = join(dir, 'out');
    const enq = JSON.parse(
      await runToEnd(
        [
          'enqueue',
          '--redis',
          url,
          '--model',
          MODEL,
          '--out',
          out,
          '--attempts',
          '2',
          '--backoff',
          '500',
          '--write-log',
          writeLog,
          join(dir, 'slides'),
        ],
        'enqueue.log',
      ),
    );
    expect(enq.jobs).toHaveLength(7);
    // enqueueing again adds nothing: the job id is the slide + model key
    const again = JSON.parse(
      await runToEnd(
        [
          'enqueue',
          '--redis',
          url,
          '--model',
          MODEL,
          '--out',
          out,
          '--write-log',
          writeLog,
          join(dir, 'slides'),
        ],
        'enqueue2.log',
      ),
    );
    expect(again.jobs.every((j: { added: boolean }) => !j.added)).toBe(true);

    const workers = new Map<number, ChildProcess>();
    for (const name of ['a', 'b']) {
      const w = batch(workerArgs(url), `worker-${name}.log`);
      workers.set(w.pid ?? 0, w);
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
      workers.get(victim.pid)?.kill('SIGKILL');
      await finished(workers.get(victim.pid)!);
      const replacement = batch(workerArgs(url), 'worker-c.log');
      workers.set(replacement.pid ?? 0, replacement);

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
      await redis.kill();
      await new Promise((r) => setTimeout(r, 1000));
      await redis.start();
      const after = await readStatus(queue);
      expect(after.jobs).toHaveLength(7);
      expect(after.counts.completed).toBeGreaterThanOrEqual(before.counts.completed);

      const status = JSON.parse(
        await runToEnd(['status', '--redis', url, '--wait', '--timeout', '240'], 'status.log'),
      );
      expect(Object.keys(status)).toEqual(['counts', 'jobs']);
      expect(status.counts).toMatchObject({ completed: 6, failed: 1, active: 0, waiting: 0, delayed: 0 });
      for (const j of status.jobs)
        expect(Object.keys(j)).toEqual(['slide', 'model', 'state', 'attempts', 'error', 'out', 'progress']);
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
      for (const w of workers.values()) w.kill('SIGTERM');
      await Promise.all([...workers.values()].map(finished));
    }

    // the same slides in one process give the same numbers and regions
    const single = join(dir, 'single');
    const ran = JSON.parse(
      await runToEnd(
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
      const ga = JSON.parse(readFileSync(join(out, `s${seed}`, MODEL, 'regions.geojson'), 'utf8'));
      const gb = JSON.parse(readFileSync(join(single, `s${seed}`, MODEL, 'regions.geojson'), 'utf8'));
      expect(roundCoords(ga)).toEqual(roundCoords(gb));
      expect(existsSync(join(single, `s${seed}`, MODEL, 'manifest.json'))).toBe(true);
    }
  }, 600_000);
});
