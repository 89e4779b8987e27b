// Backend registration and switching for TF.js.
//
// Usage:
//   import { activateBackend, BACKEND_ORDER } from './backends';
//   const ok = await activateBackend('wasm'); // false when the backend cannot start here
//
// Importing this module registers the WebGPU and WASM backends alongside the WebGL and CPU ones
// that @tensorflow/tfjs brings. In the browser call `configureWasmPaths` (wasm-paths.ts) first.

import * as tf from '@tensorflow/tfjs';
import { getThreadsCount } from '@tensorflow/tfjs-backend-wasm';
import '@tensorflow/tfjs-backend-webgpu';
import { errorMessage } from '../util/error-message';
import { BACKEND_ORDER, type BackendName } from './backend-types';

export { BACKEND_ORDER, type BackendChoice, BackendLostError, type BackendName } from './backend-types';

/** Backends registered with TF.js in this environment (Node has no webgpu/webgl). */
export function registeredBackends(): BackendName[] {
  const names = tf.engine().registryFactory;
  return BACKEND_ORDER.filter((b) => b in names);
}

/**
 * Makes `name` the active backend. Resolves false (never throws) when it is not registered or
 * fails to initialise, e.g. no WebGPU adapter or no WebGL context.
 */
export async function activateBackend(name: BackendName): Promise<boolean> {
  if (!registeredBackends().includes(name)) return false;
  try {
    const ok = await tf.setBackend(name);
    await tf.ready();
    return ok && tf.getBackend() === name;
  } catch {
    return false;
  }
}

/** Threads the active backend computes on: wasm's XNNPACK pool, 1 for cpu, null for a GPU backend. */
export function activeThreads(): number | null {
  const name = tf.getBackend();
  if (name === 'cpu') return 1;
  if (name !== 'wasm') return null;
  try {
    return getThreadsCount();
  } catch {
    return null; // not initialised
  }
}

/** Adapter description of the active WebGPU backend, to tell SwiftShader from a real GPU in reports. */
export function webgpuAdapterInfo(): string | null {
  if (tf.getBackend() !== 'webgpu') return null;
  const backend = tf.backend() as unknown as { adapterInfo?: { vendor?: string; architecture?: string } };
  const info = backend.adapterInfo;
  return info ? [info.vendor, info.architecture].filter(Boolean).join(' ') || null : null;
}

/**
 * The renderer behind the active GPU backend when it is a software one (SwiftShader, llvmpipe, the
 * WebGPU fallback adapter), else null. Such adapters are correct but many times slower than wasm,
 * and compiling their shaders takes tens of seconds: `auto` does not time them.
 */
export function softwareRenderer(): string | null {
  const name = tf.getBackend();
  const soft = (s: string | null | undefined) =>
    s && /swiftshader|llvmpipe|softpipe|software/i.test(s) ? s : null;
  if (name === 'webgpu') {
    const info = (tf.backend() as unknown as { adapterInfo?: { vendor?: string; architecture?: string } })
      .adapterInfo;
    return soft([info?.vendor, info?.architecture].filter(Boolean).join(' '));
  }
  if (name === 'webgl') {
    const gl = (tf.backend() as unknown as { gpgpu?: { gl?: WebGLRenderingContext } }).gpgpu?.gl;
    if (!gl) return null;
    const ext = gl.getExtension('WEBGL_debug_renderer_info');
    return soft(String(gl.getParameter(ext ? ext.UNMASKED_RENDERER_WEBGL : gl.RENDERER)));
  }
  return null;
}

/**
 * Watches the active backend for loss: WebGPU `device.lost`, WebGL `webglcontextlost`.
 * Calls `onLost` once; returns an unsubscribe function.
 */
export function watchBackendLoss(onLost: (reason: string) => void): () => void {
  let active = true;
  const fire = (reason: string) => {
    if (active) {
      active = false;
      onLost(reason);
    }
  };
  const name = tf.getBackend();
  if (name === 'webgpu') {
    const device = (tf.backend() as unknown as { device?: GPUDevice }).device;
    device?.lost.then((info) => {
      // 'destroyed' is our own teardown (backend removal), not a failure.
      if (info.reason !== 'destroyed') fire(info.message || 'device lost');
    });
  } else if (name === 'webgl') {
    const canvas = (tf.backend() as unknown as { gpgpu?: { gl?: { canvas?: EventTarget } } }).gpgpu?.gl
      ?.canvas;
    const listener = () => fire('WebGL context lost');
    canvas?.addEventListener?.('webglcontextlost', listener);
    return () => {
      active = false;
      canvas?.removeEventListener?.('webglcontextlost', listener);
    };
  }
  return () => {
    active = false;
  };
}

/** True when an error thrown by a kernel looks like a lost GPU device/context. */
export function looksLikeDeviceLoss(error: unknown): boolean {
  const message = errorMessage(error);
  return /device (is |was )?lost|context lost|CONTEXT_LOST|GPUDevice.*(destroyed|lost)/i.test(message);
}
