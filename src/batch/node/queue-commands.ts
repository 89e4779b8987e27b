// Distributed mode on BullMQ (Redis): enqueue jobs, run workers, report status. The job id is the
// job key (slide identity + model id + version), so enqueueing the same slide twice is a no-op.
// Workers run each job in an analysis thread, so their event loop keeps renewing BullMQ's lock;
// a worker that dies (even SIGKILL) stops renewing, and after the lock expires another worker's
// stall check moves the job back to waiting. Node only.
//
// Usage:
//   await enqueue('redis://127.0.0.1:6379', jobs, { attempts: 3, backoffMs: 2000 });
//   await runWorker(url, { concurrency: 2, lockMs: 60000, stallMs: 30000 });   // until SIGTERM
//   const { report } = await status(url, { wait: true, timeoutS: 600 });       // { counts, jobs }

import { existsSync } from 'node:fs';
import { hostname } from 'node:os';
import { resolve } from 'node:path';
import { type ConnectionOptions, type Job, Queue, Worker } from 'bullmq';
import { readModelCard } from '../../inference/node/node-model-io';
import { AnalysisPool } from './analysis-pool';
import { modelVersion } from './batch-models';
import { keyOf, type SlideJob, type SlideJobResult } from './slide-job';

export const DEFAULT_QUEUE = 'mrn-batch';
/** BullMQ's state names, in the order `status` lists jobs. */
export const JOB_STATES = [
  'active',
  'waiting',
  'prioritized',
  'delayed',
  'waiting-children',
  'paused',
  'failed',
  'completed',
] as const;
/** States that mean the queue still has work; `status --wait` returns when all are zero. */
export const PENDING_STATES = ['active', 'waiting', 'prioritized', 'delayed', 'waiting-children'] as const;

export interface JobProgress {
  done: number;
  total: number;
  /** host:pid of the worker computing it */
  worker: string;
}

/** redis://[user:password@]host:port[/db] as ioredis options (BullMQ wants no offline failures). */
export function connectionFrom(url: string): ConnectionOptions {
  const u = new URL(url);
  if (u.protocol !== 'redis:' && u.protocol !== 'rediss:')
    throw new Error(`--redis takes a redis:// URL, not ${url}`);
  return {
    host: u.hostname || '127.0.0.1',
    port: Number(u.port || 6379),
    ...(u.username ? { username: decodeURIComponent(u.username) } : {}),
    ...(u.password ? { password: decodeURIComponent(u.password) } : {}),
    ...(u.pathname.length > 1 ? { db: Number(u.pathname.slice(1)) } : {}),
    ...(u.protocol === 'rediss:' ? { tls: {} } : {}),
    maxRetriesPerRequest: null,
  };
}

export interface EnqueueOptions {
  queue?: string;
  attempts?: number;
  backoffMs?: number;
  force?: boolean;
}

export interface EnqueueResult {
  queue: string;
  jobs: { id: string; slide: string; model: string; out: string; added: boolean }[];
}

export async function enqueue(url: string, jobs: SlideJob[], o: EnqueueOptions = {}): Promise<EnqueueResult> {
  const name = o.queue ?? DEFAULT_QUEUE;
  const queue = new Queue(name, { connection: connectionFrom(url) });
  try {
    const rows: EnqueueResult['jobs'] = [];
    for (const job of jobs) {
      const id = keyOf(job);
      let existing = await queue.getJob(id);
      if (existing && o.force) {
        const state = await existing.getState();
        if (state === 'completed' || state === 'failed') {
          await existing.remove();
          existing = undefined;
        }
      }
      if (!existing)
        await queue.add('analyze', job, {
          jobId: id,
          attempts: o.attempts ?? 3,
          backoff: { type: 'exponential', delay: o.backoffMs ?? 2000 },
          removeOnComplete: false,
          removeOnFail: false,
        });
      rows.push({
        id,
        slide: job.slide.source,
        model: job.model.id,
        out: resolve(job.out, job.slide.name, job.model.id),
        added: !existing,
      });
    }
    return { queue: name, jobs: rows };
  } finally {
    await queue.close();
  }
}

export interface WorkerOptions {
  queue?: string;
  concurrency?: number;
  /** BullMQ lock duration: above the longest the event loop could stall (the thread computes) */
  lockMs?: number;
  /** how often this worker looks for stalled jobs of dead workers */
  stallMs?: number;
  backend?: string;
  log?: (m: string) => void;
  /** resolves when the worker has stopped (tests); default: runs until SIGTERM / SIGINT */
  stop?: Promise<void>;
}

/** The local folder of a job's model, checked against the version it was enqueued with. */
async function localModel(job: SlideJob, cache: Map<string, Promise<string>>): Promise<SlideJob> {
  const dir = existsSync(job.model.dir) ? job.model.dir : resolve('models', job.model.id);
  let version = cache.get(dir);
  if (!version) {
    version = readModelCard(dir).then((card) => modelVersion(dir, card));
    version.catch(() => cache.delete(dir));
    cache.set(dir, version);
  }
  const have = await version;
  if (have !== job.model.version)
    throw new Error(
      `model ${job.model.id} at ${dir} is version ${have}; the job was enqueued for ${job.model.version}`,
    );
  return { ...job, model: { ...job.model, dir } };
}

export async function runWorker(url: string, o: WorkerOptions = {}): Promise<void> {
  const log = o.log ?? ((m: string) => process.stderr.write(`${m}\n`));
  const concurrency = o.concurrency ?? 1;
  const me = `${hostname()}:${process.pid}`;
  const pool = new AnalysisPool({ threads: concurrency, backend: o.backend });
  const versions = new Map<string, Promise<string>>();
  const aborts = new Map<string, AbortController>();
  const processor = async (job: Job<SlideJob, SlideJobResult>): Promise<SlideJobResult> => {
    const data = await localModel(job.data, versions);
    const controller = new AbortController();
    aborts.set(job.id ?? '', controller);
    let last = 0;
    log(`${me}: ${job.id} ${data.slide.name} ${data.model.id} (attempt ${job.attemptsMade + 1})`);
    try {
      const result = await pool.run(data, {
        signal: controller.signal,
        onProgress: (done, total) => {
          const now = Date.now();
          if (now - last < 500 && done < total) return;
          last = now;
          // a lost update (Redis restarting) is harmless: the next one carries the count
          job.updateProgress({ done, total, worker: me } satisfies JobProgress).catch(() => {});
        },
      });
      log(`${me}: ${job.id} ${result.skipped ? 'already done' : `done, ${result.patches} patches`}`);
      return result;
    } finally {
      aborts.delete(job.id ?? '');
    }
  };
  const worker = new Worker<SlideJob, SlideJobResult>(o.queue ?? DEFAULT_QUEUE, processor, {
    connection: connectionFrom(url),
    concurrency,
    lockDuration: o.lockMs ?? 60_000,
    stalledInterval: o.stallMs ?? 30_000,
    maxStalledCount: 2,
    name: me,
  });
  worker.on('failed', (job, err) =>
    log(`${me}: ${job?.id} failed (attempt ${job?.attemptsMade}): ${err.message}`),
  );
  worker.on('error', (err) => log(`${me}: ${err.message}`));
  await worker.waitUntilReady();
  await checkRedisConfig(worker, log);
  log(
    `${me}: worker on ${o.queue ?? DEFAULT_QUEUE}, concurrency ${concurrency}, lock ${o.lockMs ?? 60_000} ms`,
  );

  let stopping = false;
  const stopped = new Promise<void>((done) => {
    const stop = (signal: string) => {
      if (stopping) {
        // second signal: release the current jobs now; their locks lapse and another worker takes them
        log(`${me}: ${signal} again: releasing current jobs`);
        for (const c of aborts.values()) c.abort();
        void worker.close(true).then(done);
        return;
      }
      stopping = true;
      log(`${me}: ${signal}: finishing current jobs, taking no more`);
      void worker.close().then(done);
    };
    process.on('SIGTERM', () => stop('SIGTERM'));
    process.on('SIGINT', () => stop('SIGINT'));
    o.stop?.then(() => stop('stop'));
  });
  await stopped;
  await pool.close();
  log(`${me}: stopped`);
}

/** BullMQ needs noeviction; AOF with fsync on every write keeps jobs through a Redis crash. */
async function checkRedisConfig(worker: Worker, log: (m: string) => void): Promise<void> {
  try {
    const client = (await worker.client) as unknown as {
      config(op: 'GET', key: string): Promise<string[]>;
    };
    const policy = await client.config('GET', 'maxmemory-policy');
    const aof = await client.config('GET', 'appendonly');
    const fsync = await client.config('GET', 'appendfsync');
    if (policy[1] !== 'noeviction')
      log(`warning: Redis maxmemory-policy is ${policy[1]}; BullMQ needs noeviction`);
    if (aof[1] !== 'yes' || fsync[1] !== 'always')
      log(
        `warning: Redis appendonly=${aof[1]} appendfsync=${fsync[1]}; a Redis crash may lose jobs (use yes/always)`,
      );
  } catch {
    // CONFIG may be disabled on managed Redis: nothing to check
  }
}

export interface StatusRow {
  slide: string;
  model: string;
  /** the cascade's screen model (null: the model runs on every patch) */
  screen: string | null;
  state: string;
  attempts: number;
  error: string | null;
  out: string;
  progress: unknown;
}

export interface StatusReport {
  counts: Record<string, number>;
  jobs: StatusRow[];
}

export async function readStatus(queue: Queue): Promise<StatusReport> {
  const counts = await queue.getJobCounts(...JOB_STATES);
  // each state is a separate read, and a job can move between two of them (waiting -> active,
  // active -> completed): the end states are read first and active last, so a job that moves on
  // is seen twice rather than missed, and its later sighting (the newer state) is the one kept
  const byId = new Map<string, StatusRow>();
  for (const state of [...JOB_STATES].reverse()) {
    for (const job of await queue.getJobs([state], 0, -1)) {
      if (!job) continue;
      const d = job.data as SlideJob;
      byId.set(job.id ?? `${state}:${byId.size}`, {
        slide: d.slide.source,
        model: d.model.id,
        screen: d.screen?.id ?? null,
        state,
        attempts: job.attemptsMade,
        error: job.failedReason ?? null,
        out: resolve(d.out, d.slide.name, d.model.id),
        progress: job.progress,
      });
    }
  }
  const order = (r: StatusRow) => JOB_STATES.indexOf(r.state as (typeof JOB_STATES)[number]);
  const jobs = [...byId.values()].sort((x, y) => order(x) - order(y));
  return { counts, jobs };
}

export async function status(
  url: string,
  o: {
    queue?: string;
    wait?: boolean;
    timeoutS?: number | null;
    log?: (m: string) => void;
    pollMs?: number;
  } = {},
): Promise<{ report: StatusReport; timedOut: boolean }> {
  const queue = new Queue(o.queue ?? DEFAULT_QUEUE, { connection: connectionFrom(url) });
  try {
    const deadline = o.timeoutS ? Date.now() + o.timeoutS * 1000 : Number.POSITIVE_INFINITY;
    for (;;) {
      const counts = await queue.getJobCounts(...PENDING_STATES);
      const pending = PENDING_STATES.reduce((n, s) => n + (counts[s] ?? 0), 0);
      if (!o.wait || pending === 0) return { report: await readStatus(queue), timedOut: false };
      if (Date.now() >= deadline) return { report: await readStatus(queue), timedOut: true };
      o.log?.(
        `status: ${pending} pending (${PENDING_STATES.map((s) => `${s} ${counts[s] ?? 0}`).join(', ')})`,
      );
      await new Promise((r) => setTimeout(r, o.pollMs ?? 2000));
    }
  } finally {
    await queue.close();
  }
}
