// Vite plugin: serves every response with the headers that make the page cross-origin isolated, in dev
// and preview. Isolation turns on SharedArrayBuffer, which tfjs-backend-wasm needs for its threads.
//
// COEP `credentialless` (not `require-corp`) so that cross-origin requests still work without the other
// server sending Cross-Origin-Resource-Policy: CORS requests (remote slides, DICOMweb, model URLs) are
// unchanged, and no-cors ones are sent without cookies. Static hosts need the same two headers; see the
// README ("Cross-origin isolation") and public/coi-sw.js for hosts that cannot set headers.

import type { Plugin } from 'vite';

export const ISOLATION_HEADERS: Readonly<Record<string, string>> = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'credentialless',
};

type Res = { setHeader(k: string, v: string): void };

export function crossOriginIsolation(): Plugin {
  const add = (_req: unknown, res: Res, next: () => void) => {
    for (const [k, v] of Object.entries(ISOLATION_HEADERS)) res.setHeader(k, v);
    next();
  };
  return {
    name: 'mrn-cross-origin-isolation',
    configureServer(server) {
      server.middlewares.use(add);
    },
    configurePreviewServer(server) {
      server.middlewares.use(add);
    },
  };
}
