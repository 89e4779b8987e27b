// Worker-thread entry: runs slide jobs (runSlideJob) off the caller's event loop. TF.js wasm
// inference is synchronous per batch; here it blocks only this thread, so BullMQ's lock renewal and
// signal handling in the main thread keep running. One job at a time; models and their engines
// are kept per model version for the life of the thread.
//
// Messages in:  { type: 'run', id, job } | { type: 'abort', id }
// Messages out: { type: 'progress', id, done, total } | { type: 'result', id, result }
//               | { type: 'error', id, error: { name, message, code? } }

import { setMaxListeners } from 'node:events';
import { resolve } from 'node:path';
import { parentPort, workerData } from 'node:worker_threads';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { createEngine, type Engine } from '../../inference/engine';
import { loadBatchModel, type ModelRef } from './batch-models';
import { type LoadedPredictor, runSlideJob, type SlideJob } from './slide-job';

const port = parentPort;
if (!port) throw new Error('analysis-thread runs in a worker thread');
const backend = (workerData?.backend ?? 'wasm') as 'wasm' | 'cpu';
if (backend === 'wasm')
  setWasmPaths(`${resolve(workerData?.root ?? '.', 'node_modules/@tensorflow/tfjs-backend-wasm/dist')}/`);

const loaded = new Map<string, Promise<LoadedPredictor & { engine: Engine }>>();
const controllers = new Map<number, AbortController>();

function predictorFor(ref: ModelRef): Promise<LoadedPredictor> {
  const key = `${ref.dir}@${ref.version}`;
  let p = loaded.get(key);
  if (!p) {
    p = (async () => {
      const model = await loadBatchModel(ref.dir);
      if (model.card.id !== ref.id)
        throw new Error(`${ref.dir} now holds model '${model.card.id}', not '${ref.id}'`);
      const engine = createEngine({ backend, candidates: [backend] });
      const decision = await engine.load(model.artifacts, model.spec);
      return { model, predictor: engine, backend: decision.chosen, engine };
    })();
    p.catch(() => loaded.delete(key));
    loaded.set(key, p);
  }
  return p;
}

port.on('message', (msg: { type: 'run'; id: number; job: SlideJob } | { type: 'abort'; id: number }) => {
  if (msg.type === 'abort') {
    controllers.get(msg.id)?.abort(new DOMException('cancelled', 'AbortError'));
    return;
  }
  const controller = new AbortController();
  // one listener per tile read in flight: not a leak
  setMaxListeners(1024, controller.signal);
  controllers.set(msg.id, controller);
  let last = 0;
  runSlideJob(msg.job, {
    predictorFor,
    signal: controller.signal,
    onProgress: (done, total) => {
      const now = performance.now();
      if (now - last < 250 && done < total) return;
      last = now;
      port.postMessage({ type: 'progress', id: msg.id, done, total });
    },
  })
    .then(
      (result) => port.postMessage({ type: 'result', id: msg.id, result }),
      (e: unknown) => {
        const err = e as Error & { code?: string };
        port.postMessage({
          type: 'error',
          id: msg.id,
          error: { name: err?.name ?? 'Error', message: err?.message ?? String(e), code: err?.code },
        });
      },
    )
    .finally(() => controllers.delete(msg.id));
});
