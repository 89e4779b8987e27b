// Runs slide jobs in worker threads (analysis-thread.ts), a fixed number at a time. The caller's
// event loop stays free while TF.js computes, which BullMQ needs to renew its job locks.
//
// Usage:
//   const pool = new AnalysisPool({ threads: 2, backend: 'wasm' });
//   const result = await pool.run(job, { onProgress: (done, total) => {}, signal });
//   await pool.close();

import { resolve } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { SlideJob, SlideJobResult } from './slide-job';

export class JobError extends Error {
  constructor(
    message: string,
    override readonly name: string,
    readonly code?: string,
  ) {
    super(message);
  }
}

interface Pending {
  resolve: (r: SlideJobResult) => void;
  reject: (e: Error) => void;
  onProgress?: (done: number, total: number) => void;
}

class AnalysisThread {
  readonly worker: Worker;
  readonly pending = new Map<number, Pending>();
  dead: Error | null = null;

  constructor(backend: string) {
    const entry = new URL(
      `./analysis-thread${import.meta.url.endsWith('.ts') ? '.ts' : '.js'}`,
      import.meta.url,
    );
    this.worker = new Worker(new URL('./ts-thread.mjs', import.meta.url), {
      workerData: { __entry: entry.href, backend, root: resolve('.') },
    });
    this.worker.on('message', (m) => {
      const p = this.pending.get(m.id);
      if (!p) return;
      if (m.type === 'progress') p.onProgress?.(m.done, m.total);
      else {
        this.pending.delete(m.id);
        if (m.type === 'result') p.resolve(m.result);
        else p.reject(new JobError(m.error.message, m.error.name, m.error.code));
      }
    });
    const fail = (e: Error) => {
      this.dead = e;
      for (const p of this.pending.values()) p.reject(e);
      this.pending.clear();
    };
    this.worker.on('error', fail);
    this.worker.on('exit', (code) => fail(new Error(`analysis thread exited (code ${code})`)));
  }
}

export class AnalysisPool {
  private readonly idle: AnalysisThread[] = [];
  private readonly all: AnalysisThread[] = [];
  private readonly waiters: ((t: AnalysisThread) => void)[] = [];
  private nextId = 1;

  constructor(private readonly options: { threads: number; backend?: string }) {}

  private acquire(): Promise<AnalysisThread> {
    const t = this.idle.pop();
    if (t) return Promise.resolve(t);
    if (this.all.length < this.options.threads) {
      const fresh = new AnalysisThread(this.options.backend ?? 'wasm');
      this.all.push(fresh);
      return Promise.resolve(fresh);
    }
    return new Promise((r) => this.waiters.push(r));
  }

  private release(t: AnalysisThread): void {
    if (t.dead) {
      this.all.splice(this.all.indexOf(t), 1);
      const w = this.waiters.shift();
      if (w) void this.acquire().then(w);
      return;
    }
    const w = this.waiters.shift();
    if (w) w(t);
    else this.idle.push(t);
  }

  async run(
    job: SlideJob,
    options: { onProgress?: (done: number, total: number) => void; signal?: AbortSignal } = {},
  ): Promise<SlideJobResult> {
    const t = await this.acquire();
    const id = this.nextId++;
    const onAbort = () => t.worker.postMessage({ type: 'abort', id });
    options.signal?.addEventListener('abort', onAbort, { once: true });
    try {
      return await new Promise<SlideJobResult>((resolve, reject) => {
        t.pending.set(id, { resolve, reject, onProgress: options.onProgress });
        t.worker.postMessage({ type: 'run', id, job });
      });
    } finally {
      options.signal?.removeEventListener('abort', onAbort);
      this.release(t);
    }
  }

  async close(): Promise<void> {
    await Promise.all(this.all.map((t) => t.worker.terminate()));
    this.all.length = 0;
    this.idle.length = 0;
  }
}
