// Batch benchmark: ≥ 20 generated 1 mm² slides through `batch analyze` (one process) and through
// BullMQ with 1, 2 and 4 workers on a Redis started here; the 2-worker run again with one worker
// SIGKILLed halfway (and replaced); and Redis's own cost per job (no-op jobs through a queue).
//
//   npm run bench -- batch [--slides 20] [--model mrn-bilinear] [--port 7205]
// Slides are cached in the OS temp dir. Logs on stderr; the JSON comes from bench/index.ts.

import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Queue, Worker } from 'bullmq';
import { connectionFrom, type JobProgress } from '../src/batch/node/queue-commands';
import { startRedis } from '../src/batch/node/redis-server';
import { buildLayout } from '../src/synth/layout';
import { writeSyntheticSlide } from '../src/synth/node/write-synthetic-slide';

const log = (m: string) => process.stderr.write(`${m}\n`);

function batch(args: string[]): ChildProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/batch.ts', ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stderr?.on('data', () => {});
  return child;
}

function finished(child: ChildProcess): Promise<number> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve(child.exitCode ?? -1);
    child.on('exit', (code) => resolve(code ?? -1));
  });
}

async function output(args: string[]): Promise<string> {
  const child = batch(args);
  let out = '';
  child.stdout?.on('data', (d) => {
    out += d;
  });
  const code = await finished(child);
  if (code !== 0) throw new Error(`batch ${args[0]} exited ${code}`);
  return out;
}

async function slides(n: number): Promise<string[]> {
  const dir = join(tmpdir(), 'mrn-bench-batch-slides');
  const paths: string[] = [];
  for (let seed = 3100; paths.length < n && seed < 4000; seed++) {
    try {
      buildLayout({ seed, sizeMm: 1 });
    } catch {
      continue; // no layout at 1 mm for this seed
    }
    const tiff = join(dir, `s${seed}.tiff`);
    if (!existsSync(tiff)) await writeSyntheticSlide({ seed, sizeMm: 1, outDir: dir, name: `s${seed}` });
    paths.push(tiff);
  }
  return paths;
}

const tissueMm2 = (out: string, files: string[], model: string) =>
  files.reduce((sum, f) => {
    const name = f
      .split('/')
      .pop()!
      .replace(/\.tiff$/, '');
    return sum + JSON.parse(readFileSync(join(out, name, model, 'summary.json'), 'utf8')).analysedAreaMm2;
  }, 0);

async function queueRun(
  url: string,
  files: string[],
  model: string,
  workers: number,
  out: string,
  killHalfway: boolean,
): Promise<{ seconds: number; killedAt?: number }> {
  const queueName = `bench-${workers}-${killHalfway ? 'kill' : 'plain'}-${Date.now()}`;
  const t0 = performance.now();
  await output(['enqueue', '--redis', url, '--queue', queueName, '--model', model, '--out', out, ...files]);
  const args = ['worker', '--redis', url, '--queue', queueName, '--lock-ms', '10000', '--stall-ms', '5000'];
  const procs = new Map<number, ChildProcess>();
  for (let i = 0; i < workers; i++) {
    const w = batch(args);
    procs.set(w.pid ?? 0, w);
  }
  const queue = new Queue(queueName, { connection: connectionFrom(url) });
  let killedAt: number | undefined;
  try {
    for (;;) {
      const c = await queue.getJobCounts('completed', 'failed', 'active', 'waiting', 'delayed');
      if (c.completed + c.failed === files.length) break;
      if (killHalfway && killedAt === undefined && c.completed >= files.length / 2) {
        for (const job of await queue.getJobs(['active'])) {
          const p = job?.progress as JobProgress | number;
          if (typeof p !== 'object' || p.done === 0) continue;
          const pid = Number(p.worker.split(':').pop());
          const victim = procs.get(pid);
          if (!victim) continue;
          victim.kill('SIGKILL');
          procs.delete(pid);
          const r = batch(args);
          procs.set(r.pid ?? 0, r);
          killedAt = (performance.now() - t0) / 1000;
          log(`  killed worker ${pid} at ${killedAt.toFixed(1)} s (${p.done}/${p.total} patches in)`);
          break;
        }
      }
      await new Promise((r) => setTimeout(r, 250));
    }
    return { seconds: (performance.now() - t0) / 1000, killedAt };
  } finally {
    await queue.close();
    for (const p of procs.values()) p.kill('SIGTERM');
    await Promise.all([...procs.values()].map(finished));
  }
}

/** Redis + BullMQ cost per job: add, take, complete no-op jobs on one worker. */
async function redisOverhead(url: string, jobs: number): Promise<{ msPerJob: number; jobs: number }> {
  const name = `bench-noop-${Date.now()}`;
  const queue = new Queue(name, { connection: connectionFrom(url) });
  let done = 0;
  const t0 = performance.now();
  await queue.addBulk(
    Array.from({ length: jobs }, (_, i) => ({ name: 'noop', data: { i }, opts: { jobId: `n${i}` } })),
  );
  const all = new Promise<void>((resolve) => {
    const worker = new Worker(name, async () => null, { connection: connectionFrom(url), concurrency: 1 });
    worker.on('completed', () => {
      if (++done === jobs) void worker.close().then(resolve);
    });
  });
  await all;
  const ms = performance.now() - t0;
  await queue.close();
  return { msPerJob: ms / jobs, jobs };
}

export async function run(argv: string[]) {
  const { values } = parseArgs({
    args: argv.filter((a) => a !== 'batch'),
    allowPositionals: true,
    options: {
      slides: { type: 'string', default: '20' },
      model: { type: 'string', default: 'mrn-bilinear' },
      port: { type: 'string', default: '7205' },
    },
  });
  const model = values.model;
  const files = await slides(Number(values.slides));
  log(`batch bench: ${files.length} slides of 1 mm², model ${model}, ${cpus().length} CPU cores`);
  const loadBefore = loadavg().map((l) => Math.round(l * 10) / 10);
  const work = await mkdtemp(join(tmpdir(), 'mrn-bench-batch-'));
  const redis = await startRedis({ port: Number(values.port), dir: join(work, 'redis') });
  try {
    const rows: Record<string, unknown>[] = [];
    const row = (label: string, workers: number, seconds: number, out: string, extra: object = {}) => {
      const mm2 = tissueMm2(out, files, model);
      const r = {
        run: label,
        workers,
        seconds: Math.round(seconds * 10) / 10,
        slidesPerHour: Math.round((files.length / seconds) * 3600),
        tissueMm2PerSecond: Math.round((mm2 / seconds) * 1000) / 1000,
        // each worker (and analyze) runs inference on one thread: one core each, up to the cores there are
        slidesPerHourPerCore: Math.round((files.length / seconds / Math.min(workers, cpus().length)) * 3600),
        loadAverage1m: Math.round(loadavg()[0] * 10) / 10,
        ...extra,
      };
      log(`  ${JSON.stringify(r)}`);
      rows.push(r);
      return r;
    };
    const t0 = performance.now();
    const single = join(work, 'analyze');
    await output(['analyze', '--model', model, '--out', single, ...files]);
    const base = row('analyze (one process)', 1, (performance.now() - t0) / 1000, single);
    const plain: Record<number, number> = {};
    for (const w of [1, 2, 4]) {
      const out = join(work, `q${w}`);
      const r = await queueRun(redis.url, files, model, w, out, false);
      plain[w] = r.seconds;
      row(`queue, ${w} worker(s)`, w, r.seconds, out, {
        speedupVsAnalyze: Math.round((base.seconds / r.seconds) * 100) / 100,
      });
    }
    const killOut = join(work, 'kill');
    const k = await queueRun(redis.url, files, model, 2, killOut, true);
    row('queue, 2 workers, one SIGKILLed halfway', 2, k.seconds, killOut, {
      killedAtSeconds: k.killedAt === undefined ? null : Math.round(k.killedAt * 10) / 10,
      extraSeconds: Math.round((k.seconds - plain[2]) * 10) / 10,
    });
    const overhead = await redisOverhead(redis.url, 500);
    log(`  redis: ${overhead.msPerJob.toFixed(2)} ms per no-op job`);
    return {
      slides: files.length,
      sizeMm: 1,
      model,
      cpuCores: cpus().length,
      // the machine is shared: the load average (1, 5, 15 min) before and after says how loaded it was
      loadAverage: { before: loadBefore, after: loadavg().map((l) => Math.round(l * 10) / 10) },
      runs: rows,
      redisOverhead: overhead,
    };
  } finally {
    await redis.stop();
    await rm(work, { recursive: true, force: true });
  }
}
