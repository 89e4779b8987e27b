// One line describing the backend an engine settled on, for the Analysis panel.

import type { BackendDecision } from './engine';

/** e.g. "using wasm · 4 threads", "using webgpu (google swiftshader)", with why wasm runs on one thread. */
export function backendLabel(
  decision: Pick<BackendDecision, 'chosen' | 'adapter' | 'threads' | 'isolated'>,
): string {
  let s = `using ${decision.chosen}`;
  if (decision.adapter) s += ` (${decision.adapter})`;
  if (decision.threads !== null && decision.threads !== undefined) {
    s += ` · ${decision.threads} thread${decision.threads === 1 ? '' : 's'}`;
    if (decision.chosen === 'wasm' && !decision.isolated) s += ' (page not cross-origin isolated)';
  }
  return s;
}
