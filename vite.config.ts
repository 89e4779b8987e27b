import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

// The app is static: slides are read in the browser, nothing is uploaded.
export default defineConfig({
  plugins: [react()],
  server: { port: 5173, strictPort: false },
  preview: { port: 4173 },
  worker: { format: 'es' },
  optimizeDeps: { exclude: ['@tensorflow/tfjs-backend-wasm'] },
  build: { target: 'es2022', chunkSizeWarningLimit: 4000 },
});
