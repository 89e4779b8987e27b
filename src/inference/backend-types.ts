// Backend names and the device-loss error, free of TF.js so that main-thread code (the scheduler,
// the UI) can use them without pulling TF.js into the main bundle.

export type BackendName = 'webgpu' | 'webgl' | 'wasm' | 'cpu';
export type BackendChoice = BackendName | 'auto';

/** Fastest-first order we try backends in; the scheduler falls back along it. */
export const BACKEND_ORDER: readonly BackendName[] = ['webgpu', 'webgl', 'wasm', 'cpu'];

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
