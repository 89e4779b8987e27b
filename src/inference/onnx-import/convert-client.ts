// Main-thread side of the conversion worker: an OnnxConverter whose work runs in
// convert-worker.ts. Progress comes back through a comlink proxy; an abort terminates the worker
// (a fresh one starts for the next job), so cancelling is immediate even mid-op.

import { proxy, type Remote, wrap } from 'comlink';
import { abortError } from '../../util/abort';
import type { ConvertWorkerApi } from './convert-worker';
import type { OnnxConverter } from './onnx-converter';

export function workerConverter(): OnnxConverter {
  let worker: Worker | null = null;
  let remote: Remote<ConvertWorkerApi> | null = null;
  const stop = () => {
    worker?.terminate();
    worker = null;
    remote = null;
  };
  const start = () => {
    if (!remote) {
      worker = new Worker(new URL('./convert-worker.ts', import.meta.url), { type: 'module' });
      remote = wrap<ConvertWorkerApi>(worker);
    }
    return remote;
  };
  /** runs `job` on the worker; an abort terminates it and rejects at once */
  const run = <T>(signal: AbortSignal | undefined, job: (r: Remote<ConvertWorkerApi>) => Promise<T>) => {
    if (signal?.aborted) return Promise.reject(abortError(signal));
    const r = start();
    return new Promise<T>((resolve, reject) => {
      const onAbort = () => {
        stop();
        reject(abortError(signal));
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      job(r)
        .then(resolve, reject)
        .finally(() => signal?.removeEventListener('abort', onAbort));
    });
  };
  return {
    convert(bytes, options) {
      const { signal, onProgress, ...rest } = options;
      return run(signal, (r) =>
        r.convert(bytes, rest, onProgress ? proxy(onProgress) : undefined),
      ) as ReturnType<OnnxConverter['convert']>;
    },
    check(modelJson, weights, card, signal) {
      return run(signal, (r) => r.check(modelJson, weights, card));
    },
    dispose: stop,
  };
}
