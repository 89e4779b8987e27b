// ONNX bytes → a converted TF.js graph model, through the converter's public entry points (the
// ones `npm run convert` uses: parseOnnx, convertOnnx). Runs in the conversion worker
// (convert-worker.ts) and in Node tests alike. Also reports what the file tells the card form:
// input names and NHWC shapes, the output's shape and the op that produces it, and the batch and
// weight precision it was converted with (the card form may ask for others: a new conversion).
//
// Usage: const c = await convertOnnxBytes(bytes, { fileName: 'net.onnx', signal, onProgress });

import { parseOnnx } from '../onnx/onnx-model';
import { convertOnnx, type TensorSig } from '../onnx/onnx-to-tfjs';
import { DEFAULT_IMPORT_LIMITS, type ImportLimits } from './import-limits';
import type { ImportProgress } from './import-progress';

export interface ConvertedOnnx {
  modelJson: Record<string, unknown>;
  weights: Uint8Array;
  inputs: TensorSig[];
  outputs: TensorSig[];
  ops: Record<string, number>;
  sourceFile: string;
  opset: number;
  producer: string;
  /** the op producing the first graph output through Identity nodes ('Sigmoid', 'Softmax', 'Conv'…) */
  outputOp: string | null;
  nodes: number;
  convertMs: number;
  /** the batch the graph was converted for (its inputs' first dimension) */
  batch: number;
  /** whether the weights were quantised to float16 */
  float16: boolean;
}

export interface ConvertBytesOptions {
  fileName: string;
  limits?: ImportLimits;
  /** batch for a dynamic batch dimension (default 8, as `npm run convert`) */
  batch?: number;
  /** use `batch` even where the file fixes the batch dimension (the card form's batch size) */
  forceBatch?: boolean;
  /** float16 weight quantisation (half the shard; TF.js dequantises on load) */
  float16?: boolean;
  signal?: AbortSignal;
  onProgress?: (p: ImportProgress) => void;
}

export async function convertOnnxBytes(
  bytes: Uint8Array,
  options: ConvertBytesOptions,
): Promise<ConvertedOnnx> {
  const limits = options.limits ?? DEFAULT_IMPORT_LIMITS;
  const t0 = performance.now();
  options.signal?.throwIfAborted();
  options.onProgress?.({ stage: 'parsing', done: 0, total: 1 });
  const model = parseOnnx(bytes, { maxBytes: limits.maxFileBytes });
  options.onProgress?.({ stage: 'parsing', done: 1, total: 1 });
  let producerOp: string | null = null;
  let name = model.outputs[0]?.name;
  for (let hop = 0; name && hop < 16; hop++) {
    const n = model.nodes.find((x) => x.outputs.includes(name!));
    if (!n) break;
    producerOp = n.opType;
    if (n.opType !== 'Identity') break;
    name = n.inputs[0];
  }
  const converted = await convertOnnx(model, {
    batch: options.batch ?? 8,
    forceBatch: options.forceBatch,
    float16: options.float16,
    maxWeightBytes: limits.maxWeightBytes,
    signal: options.signal,
    onProgress: (done, total) => options.onProgress?.({ stage: 'converting', done, total }),
  });
  return {
    modelJson: converted.modelJson,
    weights: converted.weights,
    inputs: converted.inputs,
    outputs: converted.outputs,
    ops: converted.ops,
    sourceFile: options.fileName,
    opset: model.opset,
    producer: model.producer,
    outputOp: producerOp,
    nodes: model.nodes.length,
    convertMs: Math.round(performance.now() - t0),
    batch: converted.inputs[0]?.shape[0] ?? 1,
    float16: options.float16 ?? false,
  };
}
