// The Vite dev server the in-browser benches drive. Either the app itself (each bench with its own
// cache folder, so two benches never share a half-optimised cache) or a bare bench page (`page`)
// with tfjs pre-bundled up front, so no timing waits on a dependency-optimisation reload.
import path from 'node:path';
import { createServer, type ViteDevServer } from 'vite';

const ROOT = path.resolve(import.meta.dirname, '..');

export interface BenchServer {
  vite: ViteDevServer;
  appUrl: string;
}

export async function startBenchServer(
  opts: { page: string; allow?: string[] } | { cacheName: string },
): Promise<BenchServer> {
  const vite =
    'page' in opts
      ? await createServer({
          configFile: false,
          root: ROOT,
          appType: 'custom',
          server: { port: 0, host: '127.0.0.1', fs: { allow: [ROOT, ...(opts.allow ?? [])] } },
          worker: { format: 'es' },
          optimizeDeps: {
            entries: [opts.page],
            include: [
              '@tensorflow/tfjs',
              '@tensorflow/tfjs-backend-webgpu',
              '@tensorflow/tfjs-backend-wasm',
              'comlink',
            ],
          },
          logLevel: 'error',
        })
      : await createServer({
          root: ROOT,
          cacheDir: path.join(ROOT, `.cache/${opts.cacheName}`),
          server: { port: 0, host: '127.0.0.1' },
          logLevel: 'error',
        });
  await vite.listen();
  return { vite, appUrl: vite.resolvedUrls!.local[0] };
}
