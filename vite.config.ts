import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import react from '@vitejs/plugin-react';
import { defineConfig, type Plugin } from 'vite';
import { crossOriginIsolation } from './scripts/vite/cross-origin-isolation';
import { earlySlideWorker } from './scripts/vite/early-slide-worker';
import { preloadViewer } from './scripts/vite/preload-viewer';
import { wasmThreadFactory } from './scripts/vite/wasm-thread-factory';
import { listModelDirs } from './src/inference/node/model-dirs';

const MODELS_DIR = path.resolve(import.meta.dirname, 'models');

/** The app's model list: the folders listModelDirs accepts (one rule for app, CLIs and tests). */
function modelIndex(): { models: { id: string; path: string }[] } {
  return { models: listModelDirs(MODELS_DIR).map(({ id }) => ({ id, path: `models/${id}/` })) };
}

const CONTENT_TYPES: Record<string, string> = {
  '.json': 'application/json',
  '.bin': 'application/octet-stream',
};

/**
 * Serves models/ at /models/ (dev and preview) with /models/index.json listing the directories that
 * have a card.json, and copies them into the build. New models (the trained ones) appear on reload
 * without code changes.
 */
function modelsPlugin(): Plugin {
  const middleware = (
    req: { url?: string },
    res: {
      statusCode: number;
      setHeader(k: string, v: string): void;
      end(b?: string | Buffer): void;
    },
    next: () => void,
  ) => {
    const url = (req.url ?? '').split('?')[0];
    if (!url.startsWith('/models/')) return next();
    if (url === '/models/index.json') {
      res.setHeader('Content-Type', 'application/json');
      res.setHeader('Cache-Control', 'no-store');
      return res.end(JSON.stringify(modelIndex()));
    }
    const rel = decodeURIComponent(url.slice('/models/'.length));
    const file = path.resolve(MODELS_DIR, rel);
    if (!file.startsWith(MODELS_DIR + path.sep) || !existsSync(file) || !statSync(file).isFile()) {
      res.statusCode = 404;
      return res.end('not found');
    }
    res.setHeader('Content-Type', CONTENT_TYPES[path.extname(file)] ?? 'application/octet-stream');
    res.setHeader('Cache-Control', 'no-cache');
    res.end(readFileSync(file));
  };
  return {
    name: 'mrn-models',
    configureServer(server) {
      server.middlewares.use(middleware);
    },
    configurePreviewServer(server) {
      server.middlewares.use(middleware);
    },
    generateBundle() {
      const index = modelIndex();
      this.emitFile({ type: 'asset', fileName: 'models/index.json', source: JSON.stringify(index) });
      for (const { id } of index.models) {
        for (const f of readdirSync(path.join(MODELS_DIR, id))) {
          if (!/\.(json|bin)$/.test(f)) continue;
          this.emitFile({
            type: 'asset',
            fileName: `models/${id}/${f}`,
            source: readFileSync(path.join(MODELS_DIR, id, f)),
          });
        }
      }
    },
  };
}

// MRN_DICOMWEB_PROXY=http://host:port serves that DICOMweb server's /dicom-web on the app's own
// origin (the e2e tests' Orthanc, which sends no CORS headers).
const dicomWebProxy = process.env.MRN_DICOMWEB_PROXY;

// The app is static: slides are read in the browser, nothing is uploaded.
export default defineConfig({
  // cross-origin isolated (threaded wasm), with the threaded wasm factory kept runnable from its text
  plugins: [
    react(),
    modelsPlugin(),
    crossOriginIsolation(),
    wasmThreadFactory(),
    // a deep link's viewer chunk downloads beside the entry (src/main.tsx)
    preloadViewer(['src/viewer/viewer-controller.ts', 'src/state/slide-session.ts']),
    // and its slide worker starts, and opens the slide, from index.html (src/slide/early-open.ts)
    earlySlideWorker(),
  ],
  server: {
    port: 5173,
    strictPort: false,
    proxy: dicomWebProxy ? { '/dicom-web': { target: dicomWebProxy, changeOrigin: true } } : undefined,
  },
  preview: {
    port: 4173,
    proxy: dicomWebProxy ? { '/dicom-web': { target: dicomWebProxy, changeOrigin: true } } : undefined,
  },
  // workers are bundled by their own pipeline: the inference worker is where tfjs-backend-wasm runs
  worker: {
    format: 'es',
    plugins: () => [wasmThreadFactory()],
    // Every module a worker's entry imports statically goes into that entry's own file. Left alone,
    // rolldown split the slide worker's into shared chunks (also imported by its lazy DICOM and NDPI
    // chunks), a chain of three files fetched one after another before a deep link's first read
    // (rolldown#10731); the codecs, DICOM and NDPI modules stay lazy.
    rolldownOptions: {
      output: { codeSplitting: { groups: [{ name: 'worker-entry', tags: ['$initial'] }] } },
    },
  },
  optimizeDeps: {
    // Pre-bundled, not excluded: the wasm backend's ESM imports a CommonJS worker file by name,
    // which only works once converted (its .wasm binaries are located by wasm-paths.ts).
    // The inference worker's imports are listed because the scan of index.html does not reach
    // workers; a late discovery would re-optimise and reload the page.
    include: [
      '@tensorflow/tfjs',
      '@tensorflow/tfjs-backend-wasm',
      '@tensorflow/tfjs-backend-webgpu',
      'comlink',
      // the slide worker's lazily loaded JPEG 2000 codec, and its other imports
      '@cornerstonejs/codec-openjpeg/decodewasmjs',
      '@cornerstonejs/codec-charls/decodewasmjs',
      'dicom-parser',
      'geotiff',
      'lru-cache',
      'zod',
    ],
    entries: ['index.html', 'src/**/*-worker.ts'],
    // the pre-bundled (dev) factory gets the same treatment as the build's
    rolldownOptions: { plugins: [wasmThreadFactory()] },
  },
  build: {
    target: 'es2022',
    chunkSizeWarningLimit: 4000,
    // A deep link's first requests in fewer chunks: over HTTP/1.1 (vite preview, many static hosts)
    // a browser opens 6 connections per host, and the entry, its CSS, the service-worker helper and
    // six small viewer chunks held the slide worker's own script back behind them (its reads began
    // ~60 ms later than with these two groups, measured with the Resource Timing of the built app)
    rolldownOptions: {
      output: {
        codeSplitting: {
          groups: [
            // what the entry itself runs first (src/main.tsx's step 1), apart, so it need not wait for the viewer
            { name: 'boot', test: /src\/state\/url-state|src\/viewer\/open-viewer-slide/, priority: 2 },
            { name: 'viewer', test: /src\/viewer\/viewer-controller|src\/state\/slide-session/, priority: 1 },
          ],
        },
      },
    },
  },
});
