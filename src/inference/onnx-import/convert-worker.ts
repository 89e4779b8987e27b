// Thin Web Worker around the ONNX conversion and warm-up check (logic in convert-bytes.ts and
// warm-up-check.ts). Spawn it through convert-client.ts; never import this from the main thread.
// Cancelling terminates the worker (the converter runs synchronously between progress reports).

import { expose, transfer } from 'comlink';
import type { ModelCard } from '../model-card';
import type { ConvertBytesOptions } from './convert-bytes';
import type { ImportProgress } from './import-progress';
import { inProcessConverter } from './onnx-converter';

const local = inProcessConverter();

const api = {
  async convert(
    bytes: Uint8Array,
    options: Omit<ConvertBytesOptions, 'signal' | 'onProgress'>,
    onProgress?: (p: ImportProgress) => void,
  ) {
    const c = await local.convert(bytes, { ...options, onProgress });
    return transfer(c, [c.weights.buffer]);
  },
  check(modelJson: Record<string, unknown>, weights: Uint8Array, card: ModelCard) {
    return local.check(modelJson, weights, card);
  },
};

export type ConvertWorkerApi = typeof api;

expose(api);
