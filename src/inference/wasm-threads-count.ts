// How many wasm threads to ask for, free of TF.js so the main thread can decide (wasm-threads.ts applies it).

/** tfjs pre-creates 8 pthread workers; more is never used. */
export const MAX_WASM_THREADS = 8;

/** Threads to ask for: one per reported core, 1..8; 1 when the page is not cross-origin isolated. */
export function wantedThreads(hardwareConcurrency: number | undefined, isolated: boolean): number {
  if (!isolated) return 1;
  const n = Math.floor(hardwareConcurrency ?? 1);
  return Math.min(MAX_WASM_THREADS, Math.max(1, Number.isFinite(n) ? n : 1));
}
