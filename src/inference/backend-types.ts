// Backend names and the device-loss error, free of TF.js so that main-thread code (the scheduler,
// the UI) can use them without pulling TF.js into the main bundle.

/** Fastest-first order we try backends in; the scheduler falls back along it. */
export const BACKEND_ORDER = ['webgpu', 'webgl', 'wasm', 'cpu'] as const;
export type BackendName = (typeof BACKEND_ORDER)[number];

/** What a user may pick: a backend, or 'auto' (time them and keep the fastest). */
export const BACKEND_CHOICES = ['auto', ...BACKEND_ORDER] as const;
export type BackendChoice = (typeof BACKEND_CHOICES)[number];

/** Thrown when the GPU device (WebGPU) or context (WebGL) is gone; callers fall back to the next backend. */
export class BackendLostError extends Error {
  constructor(
    readonly backend: string,
    message: string,
    override readonly cause?: unknown,
  ) {
    super(`${backend} backend lost: ${message}`);
    this.name = 'BackendLostError';
  }
}
