// The batch integration tests' one set-up: a temporary folder with generated 1 mm slides, a real
// Redis started there on a free port, and the batch CLI (`scripts/batch.ts`) run as child
// processes with their logs in the folder.
//
//   const rig = await BatchRig.start('batch-queue-', [3101, 3102]);
//   const out = await rig.ok(['status', '--redis', rig.redis.url], 'status.log');  // stdout; throws on exit ≠ 0
//   const w = rig.run(rig.workerArgs(['--queue', 'q']), 'worker.log');            // { child, out(), exited }
//   await rig.stop();                                                               // SIGKILLs what is left

import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { createWriteStream, readFileSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeSyntheticSlide } from '../../synth/node/write-synthetic-slide';
import { type LocalRedis, startRedis } from './redis-server';

export const hasRedis = (() => {
  try {
    execFileSync('redis-server', ['--version']);
    return true;
  } catch {
    return false;
  }
})();

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

/** A CLI run: its stdout so far, and its exit code (-1 when a signal ended it). */
export interface Run {
  child: ChildProcess;
  out: () => string;
  exited: Promise<number>;
}

/** Polls `f` until it gives a truthy value, or throws after `ms`. */
export async function until<T>(
  what: string,
  f: () => Promise<T | null | undefined | false>,
  ms: number,
  pollMs = 100,
): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await f();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, pollMs));
  }
}

export class BatchRig {
  private readonly children = new Set<ChildProcess>();

  private constructor(
    readonly dir: string,
    readonly redis: LocalRedis,
  ) {}

  /** Generates slides `s<seed>.tiff` (1 mm) in DIR/slides and starts Redis in DIR/redis. */
  static async start(prefix: string, seeds: number[]): Promise<BatchRig> {
    const dir = await mkdtemp(join(tmpdir(), prefix));
    for (const seed of seeds)
      await writeSyntheticSlide({ seed, sizeMm: 1, outDir: join(dir, 'slides'), name: `s${seed}` });
    return new BatchRig(dir, await startRedis({ port: await freePort(), dir: join(dir, 'redis') }));
  }

  slide(seed: number): string {
    return join(this.dir, 'slides', `s${seed}.tiff`);
  }

  /** `worker --redis URL … --lock-ms 4000 --stall-ms 2000`: short locks, so a lost job moves on fast. */
  workerArgs(extra: string[] = []): string[] {
    return ['worker', '--redis', this.redis.url, ...extra, '--lock-ms', '4000', '--stall-ms', '2000'];
  }

  /** `node --import tsx scripts/batch.ts …`: its pid is the worker's own (no wrapper to signal). */
  run(args: string[], logName: string): Run {
    const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/batch.ts', ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout?.on('data', (d) => {
      out += d;
    });
    const log = createWriteStream(join(this.dir, logName));
    child.stderr?.pipe(log);
    this.children.add(child);
    const exited = new Promise<number>((resolve) =>
      child.on('exit', (code, signal) => {
        this.children.delete(child);
        resolve(code ?? (signal ? -1 : 0));
      }),
    );
    return { child, out: () => out, exited };
  }

  /** Runs the CLI to its end; its stdout, or an error with the end of its log. */
  async ok(args: string[], logName: string): Promise<string> {
    const r = this.run(args, logName);
    const code = await r.exited;
    if (code !== 0)
      throw new Error(
        `batch ${args[0]} exited ${code}:\n${readFileSync(join(this.dir, logName), 'utf8').slice(-3000)}`,
      );
    return r.out();
  }

  /** `enqueue --redis URL [--queue Q] --model M --out DIR [more flags] inputs…` to its end; its JSON. */
  async enqueue(
    o: { queue?: string; model: string; out: string; flags?: string[] },
    inputs: string[],
    logName: string,
  ): Promise<{ jobs: { id: string; added: boolean }[] }> {
    const queue = o.queue ? ['--queue', o.queue] : [];
    const args = ['enqueue', '--redis', this.redis.url, ...queue, '--model', o.model, '--out', o.out];
    return JSON.parse(await this.ok([...args, ...(o.flags ?? []), ...inputs], logName));
  }

  async stop(): Promise<void> {
    for (const c of this.children) c.kill('SIGKILL');
    await this.redis.stop();
  }
}
