// The production build the benches measure: `vite build` into .cache/bench-dist, served by `vite preview`
// (which sends the app's COOP/COEP headers) on a free loopback port.

import path from 'node:path';
import { build, type PreviewServer, preview } from 'vite';

const ROOT = path.resolve(import.meta.dirname, '..');
export const BENCH_DIST = path.join(ROOT, '.cache/bench-dist');

export async function buildApp(outDir = BENCH_DIST): Promise<void> {
  await build({ root: ROOT, logLevel: 'error', build: { outDir, emptyOutDir: true } });
}

/** Serves a built app folder; `url` is its origin with a trailing slash. */
export async function previewApp(outDir = BENCH_DIST): Promise<{ server: PreviewServer; url: string }> {
  const server = await preview({
    root: ROOT,
    logLevel: 'error',
    build: { outDir },
    preview: { port: 0, host: '127.0.0.1' },
  });
  return { server, url: server.resolvedUrls!.local[0] };
}
