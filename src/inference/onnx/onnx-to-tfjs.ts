// ONNX → TF.js graph model (GraphDef JSON topology + one weight shard), in TypeScript, for a
// browser worker and Node alike.
//
// Usage:
//   const out = await convertOnnx(parseOnnx(bytes), { batch: 8, float16: false, signal, onProgress });
//   out.modelJson, out.weights (Uint8Array), out.inputs / out.outputs (names, NHWC shapes)
//
// How: the graph is walked once in order while a zero-valued trace runs each op eagerly on the tfjs
// CPU backend. The trace gives every tensor's fixed shape and folds everything that depends only on
// constants and shapes (constant-folding.ts). 4-D activations are kept NHWC (TF.js's native
// layout, layout.ts): layout-aware ops work on NHWC directly; the few layout-bound ones (Reshape,
// Transpose, Flatten, MatMul...) transpose their input back first. One module per op family:
// ops-conv, ops-pooling, ops-activations, ops-binary, ops-shape, ops-resize, ops-matmul.

import * as tf from '@tensorflow/tfjs';
import { formatBytes } from '../../util/format-bytes';
import { alwaysHandlers, foldConst, foldOnlyHandlers, tensorOf } from './constant-folding';
import { type ConvertOptions, Ctx } from './convert-context';
import { foldBatchNorms } from './fold-batchnorm';
import { FLOAT_T, shapeAttr } from './graphdef-attrs';
import { TO_NHWC } from './layout';
import { OnnxError, type OnnxModel, type OnnxNode } from './onnx-model';
import { activationHandlers } from './ops-activations';
import { binaryHandlers } from './ops-binary';
import { convHandlers } from './ops-conv';
import { matmulHandlers } from './ops-matmul';
import { poolingHandlers } from './ops-pooling';
import { resizeHandlers } from './ops-resize';
import { shapeHandlers } from './ops-shape';
import { weightData } from './weights';

export type { ConvertOptions } from './convert-context';
export { floatToHalf } from './weights';

export interface TensorSig {
  name: string;
  /** NHWC for 4-D */
  shape: number[];
}

export interface ConvertedModel {
  modelJson: Record<string, unknown>;
  weights: Uint8Array;
  inputs: TensorSig[];
  outputs: TensorSig[];
  ops: Record<string, number>;
  /** BatchNormalization nodes folded into the convolution before them */
  foldedBatchNorms: number;
}

/** Ops on image values, by ONNX op type. */
const GRAPH_HANDLERS: Record<string, (c: Ctx) => void> = {
  ...activationHandlers,
  ...binaryHandlers,
  ...convHandlers,
  ...poolingHandlers,
  ...shapeHandlers,
  ...resizeHandlers,
  ...matmulHandlers,
  ...foldOnlyHandlers,
};
/** Convolutions keep their weights as graph constants even on a constant input. */
const NEVER_FOLDED = new Set(['Conv', 'ConvTranspose']);

export const SUPPORTED_OPS: ReadonlySet<string> = new Set([
  ...Object.keys(alwaysHandlers),
  ...Object.keys(GRAPH_HANDLERS),
]);

export function unsupportedOps(model: OnnxModel): string[] {
  const bad = new Map<string, string[]>();
  for (const n of model.nodes) {
    if ((n.domain && n.domain !== 'ai.onnx') || !SUPPORTED_OPS.has(n.opType)) {
      const key = n.domain && n.domain !== 'ai.onnx' ? `${n.domain}.${n.opType}` : n.opType;
      bad.set(key, [...(bad.get(key) ?? []), n.name]);
    }
  }
  return [...bad].map(
    ([op, names]) =>
      `${op} (${names.slice(0, 5).join(', ')}${names.length > 5 ? `, +${names.length - 5}` : ''})`,
  );
}

function convertNode(c: Ctx, n: OnnxNode): undefined {
  c.node = n;
  const always = alwaysHandlers[n.opType];
  if (always) {
    always(c);
    return undefined;
  }
  const allConst = n.inputs.every((name) => !name || !c.get(name).dyn);
  if (allConst && !NEVER_FOLDED.has(n.opType)) return foldConst(c, n);
  const handler = GRAPH_HANDLERS[n.opType];
  if (!handler) throw new OnnxError(`${n.opType} node "${n.name}" is not handled`);
  handler(c);
  return undefined;
}

export async function convertOnnx(model: OnnxModel, options: ConvertOptions = {}): Promise<ConvertedModel> {
  const bad = unsupportedOps(model);
  if (bad.length > 0) throw new OnnxError(`unsupported ONNX op(s): ${bad.join('; ')}`);
  const cap = options.maxWeightBytes ?? 512 * 1024 * 1024;
  if (model.weightBytes > cap)
    throw new OnnxError(`weights are ${formatBytes(model.weightBytes)}, over the ${formatBytes(cap)} cap`);
  const previous = tf.getBackend();
  if (previous !== 'cpu') await tf.setBackend('cpu');
  try {
    const { model: folded, folded: foldedBatchNorms } = foldBatchNorms(model);
    let result: ConvertedModel | undefined;
    tf.tidy(() => {
      result = { ...run(new Ctx(folded, options, convertNode)), foldedBatchNorms };
    });
    return result!;
  } finally {
    if (previous && previous !== 'cpu') await tf.setBackend(previous);
  }
}

function run(c: Ctx): Omit<ConvertedModel, 'foldedBatchNorms'> {
  const { model, options } = c;
  const inputs: TensorSig[] = [];
  for (const vi of model.inputs) {
    if (!vi.dims) throw new OnnxError(`input "${vi.name}" has no shape in the file`);
    const dims = vi.dims.map((d, i) => {
      if (i === 0 && (typeof d !== 'number' || options.forceBatch)) return options.batch ?? 1;
      if (typeof d !== 'number' || d <= 0)
        throw new OnnxError(
          `input "${vi.name}" has a dynamic dimension ${i} ("${d}") that cannot be fixed: export with a fixed input size`,
        );
      return d;
    });
    if (dims.length !== 4)
      throw new OnnxError(`input "${vi.name}" is ${dims.length}-D; image inputs are 4-D NCHW`);
    const nhwc = TO_NHWC.map((p) => dims[p]);
    const name = c.unique(vi.name);
    c.emit(name, 'Placeholder', [], { dtype: { type: 'DT_FLOAT' }, shape: { shape: shapeAttr(nhwc) } });
    c.vals.set(vi.name, { t: tf.zeros(nhwc), dyn: true, nhwc: true, ref: name });
    inputs.push({ name: vi.name, shape: nhwc });
  }
  for (const [name, init] of model.initializers)
    c.vals.set(name, { t: tensorOf(init), dyn: false, nhwc: false });
  const ops: Record<string, number> = {};
  const total = model.nodes.length;
  model.nodes.forEach((n, k) => {
    if (options.signal?.aborted) throw options.signal.reason ?? new DOMException('aborted', 'AbortError');
    try {
      convertNode(c, n);
    } catch (e) {
      if (e instanceof OnnxError) throw e;
      throw new OnnxError(`${n.opType} node "${n.name}": ${(e as Error).message}`);
    }
    ops[n.opType] = (ops[n.opType] ?? 0) + 1;
    options.onProgress?.(k + 1, total);
  });
  const outputs: TensorSig[] = [];
  for (const vo of model.outputs) {
    let v = c.get(vo.name);
    if (!v.dyn) v = c.constAsDyn(v);
    if (!v.nhwc && v.t.rank === 4) v = c.toNhwc(v);
    const name = c.unique(vo.name);
    c.emit(name, 'Identity', [v.ref!], FLOAT_T);
    outputs.push({ name: vo.name, shape: v.t.shape });
  }
  const sig = (list: TensorSig[]) =>
    Object.fromEntries(
      list.map((s) => [s.name, { name: `${s.name}:0`, dtype: 'DT_FLOAT', tensorShape: shapeAttr(s.shape) }]),
    );
  const { entries, data } = weightData(c.consts, options.float16 ?? false);
  const modelJson = {
    format: 'graph-model',
    generatedBy: options.generatedBy ?? (model.producer || 'ONNX'),
    convertedBy: 'mrn-viewer src/inference/onnx (ONNX to GraphDef JSON, no TensorFlow)',
    modelTopology: { node: c.nodes, library: {}, versions: { producer: 1286 } },
    weightsManifest: [{ paths: ['group1-shard1of1.bin'], weights: entries }],
    signature: { inputs: sig(inputs), outputs: sig(outputs) },
  };
  return { modelJson, weights: data, inputs, outputs, ops };
}
