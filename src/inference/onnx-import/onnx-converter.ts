// What the app converts and checks ONNX models with: an interface with two makers, the worker one
// for the page (convert-client.ts) and this in-process one for Node tests and the CLI-like paths.

import * as tf from '@tensorflow/tfjs';
import type { ModelCard } from '../model-card';
import { type ConvertBytesOptions, type ConvertedOnnx, convertOnnxBytes } from './convert-bytes';
import { type WarmUpResult, warmUpCheck } from './warm-up-check';

export interface OnnxConverter {
  /** converts; the signal aborts it (the worker one terminates its worker) */
  convert(bytes: Uint8Array, options: ConvertBytesOptions): Promise<ConvertedOnnx>;
  /** the single warm-up run against the card */
  check(
    modelJson: Record<string, unknown>,
    weights: Uint8Array,
    card: ModelCard,
    signal?: AbortSignal,
  ): Promise<WarmUpResult>;
  dispose(): void;
}

export function inProcessConverter(): OnnxConverter {
  return {
    convert: (bytes, options) => convertOnnxBytes(bytes, options),
    async check(modelJson, weights, card, signal) {
      signal?.throwIfAborted();
      if (tf.getBackend() !== 'cpu') await tf.setBackend('cpu');
      return warmUpCheck(modelJson, weights, card);
    },
    dispose() {},
  };
}
