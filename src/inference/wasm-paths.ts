// Browser-only: tells the TF.js WASM backend where Vite serves its .wasm binaries.
//
// Usage (once, before createEngine, in the main thread or the inference worker):
//   import { configureWasmPaths } from './wasm-paths';
//   configureWasmPaths();
//
// The `?url` imports make Vite copy the binaries from node_modules into the build with hashed
// names, so nothing has to be copied into public/. Node tests never import this module: there
// the backend finds its binaries next to its own files.

import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import plainWasm from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm?url';
import simdWasm from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm?url';
import threadedSimdWasm from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-threaded-simd.wasm?url';

let configured = false;

export function configureWasmPaths(): void {
  if (configured) return;
  configured = true;
  setWasmPaths({
    'tfjs-backend-wasm.wasm': plainWasm,
    'tfjs-backend-wasm-simd.wasm': simdWasm,
    // Only used when the page is cross-origin isolated (SharedArrayBuffer available).
    'tfjs-backend-wasm-threaded-simd.wasm': threadedSimdWasm,
  });
}
