// A tfjs IOHandler that loads a graph model (model.json + weight shards) from disk in Node, so tests,
// benchmarks and scripts can run the same models as the browser without tfjs-node (which cannot be
// installed here). Node only: imports node:fs.

import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { isAbortError } from '../../util/abort';
import { type ModelCard, parseModelCardText } from '../model-card';

export class ModelFileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ModelFileError';
  }
}

async function readOrThrow(path: string, what: string, signal?: AbortSignal): Promise<Buffer> {
  try {
    return await readFile(path, { signal });
  } catch (e) {
    if (isAbortError(e)) throw e;
    throw new ModelFileError(
      `cannot read ${what} ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`,
    );
  }
}

function toArrayBuffer(b: Buffer): ArrayBuffer {
  return b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer;
}

/** Reads and checks model.json: valid JSON, a graph or layers topology, a weights manifest. */
export async function readModelJson(modelJsonPath: string, signal?: AbortSignal): Promise<tf.io.ModelJSON> {
  const text = (await readOrThrow(modelJsonPath, 'model JSON', signal)).toString('utf8');
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new ModelFileError(`${modelJsonPath} is not valid JSON: ${(e as Error).message}`);
  }
  const m = json as Partial<tf.io.ModelJSON> | null;
  if (m === null || typeof m !== 'object' || m.modelTopology === undefined) {
    throw new ModelFileError(`${modelJsonPath} has no modelTopology; is it a TF.js model.json?`);
  }
  if (!Array.isArray(m.weightsManifest)) {
    throw new ModelFileError(`${modelJsonPath} has no weightsManifest array`);
  }
  return m as tf.io.ModelJSON;
}

/**
 * IOHandler for `tf.loadGraphModel(nodeFileHandler('models/x/model.json'))`. Weight paths in the
 * manifest are resolved relative to model.json; a missing shard or one whose size disagrees with
 * the manifest fails with a ModelFileError naming it.
 */
export function nodeFileHandler(modelJsonPath: string, signal?: AbortSignal): tf.io.IOHandler {
  const base = dirname(resolve(modelJsonPath));
  return {
    load: async () => {
      const modelJson = await readModelJson(modelJsonPath, signal);
      return tf.io.getModelArtifactsForJSON(modelJson, async (manifest) => {
        const specs: tf.io.WeightsManifestEntry[] = [];
        const buffers: ArrayBuffer[] = [];
        for (const group of manifest) {
          let groupBytes = 0;
          for (const p of group.paths) {
            const buf = await readOrThrow(resolve(base, p), 'weight shard', signal);
            buffers.push(toArrayBuffer(buf));
            groupBytes += buf.byteLength;
          }
          const expected = group.weights.reduce((n, w) => n + weightBytes(w), 0);
          // NaN (string weights have no fixed size) skips the check
          if (!Number.isNaN(expected) && expected !== groupBytes) {
            throw new ModelFileError(
              `weight shards ${group.paths.join(', ')} hold ${groupBytes} bytes but the manifest describes ${expected}`,
            );
          }
          specs.push(...group.weights);
        }
        return [specs, tf.io.concatenateArrayBuffers(buffers)];
      });
    },
  };
}

const BYTES: Record<string, number> = { float32: 4, int32: 4, bool: 1, float16: 2, uint8: 1, uint16: 2 };

function weightBytes(w: tf.io.WeightsManifestEntry): number {
  const n = w.shape.reduce((a, b) => a * b, 1);
  if (w.dtype === 'string') return Number.NaN; // variable-length; the size check is skipped below
  const q = w.quantization?.dtype;
  const per = q ? BYTES[q] : BYTES[w.dtype];
  if (per === undefined) throw new ModelFileError(`weight ${w.name} has unsupported dtype ${q ?? w.dtype}`);
  return n * per;
}

/** Reads card.json beside model.json (or in `dir`). */
export async function readModelCard(dir: string, signal?: AbortSignal): Promise<ModelCard> {
  const path = resolve(dir, 'card.json');
  const text = (await readOrThrow(path, 'model card', signal)).toString('utf8');
  return parseModelCardText(text, path);
}
