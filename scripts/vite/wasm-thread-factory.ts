// Vite plugin: keeps tfjs-backend-wasm's threaded factory runnable from its own source text.
//
// The backend starts its pthread workers from a Blob of `wasmFactoryThreadedSimd.toString()`. Bundled
// and minified, that function refers to names outside itself (the minifier hoists and renames), and the
// workers die with `ReferenceError: e is not defined`. Here the function's toString is made to return
// Emscripten's original, self-contained factory expression, kept verbatim as a string literal (which no
// minifier touches). The code that runs in the inference worker itself is still the bundled one.

import type { Plugin } from 'vite';

export const THREADED_FACTORY_FILE = 'tfjs-backend-wasm/wasm-out/tfjs-backend-wasm-threaded-simd.js';
const HEAD = 'var WasmBackendModuleThreadedSimd = ';
const TAIL = /;\s*if \(typeof exports === 'object' && typeof module === 'object'\)/;

/** The factory expression of Emscripten's UMD file (`(() => { ... })()`), or an error naming the change. */
export function factoryExpression(code: string): string {
  const start = code.indexOf(HEAD);
  const end = code.search(TAIL);
  if (start < 0 || code.slice(0, start).trim() !== '' || end < start) {
    throw new Error(
      `${THREADED_FACTORY_FILE}: unexpected layout (tfjs upgraded?); update wasm-thread-factory.ts`,
    );
  }
  return code.slice(start + HEAD.length, end);
}

/** The module with the toString override appended. */
export function withSelfContainedToString(code: string): string {
  const expr = factoryExpression(code);
  return `${code}\n;WasmBackendModuleThreadedSimd.toString = function () { return ${JSON.stringify(expr)}; };\n`;
}

export function wasmThreadFactory(): Plugin {
  return {
    name: 'mrn-wasm-thread-factory',
    enforce: 'pre',
    transform(code, id) {
      if (!id.split('?')[0].replaceAll('\\', '/').endsWith(THREADED_FACTORY_FILE)) return null;
      return { code: withSelfContainedToString(code), map: null };
    },
  };
}
