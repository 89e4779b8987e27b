// Worker-thread bootstrap: a thread does not inherit tsx's loader from `tsx script.ts`, so it
// registers it, then imports the TypeScript entry named in workerData.__entry.
import { workerData } from 'node:worker_threads';

if (workerData.__entry.endsWith('.ts')) {
  const { register } = await import('tsx/esm/api');
  register();
}
await import(workerData.__entry);
