// ONNX → TF.js graph model (GraphDef JSON topology + one weight shard), in TypeScript, for a
// browser worker and Node alike.
//
// Usage:
//   const out = await convertOnnx(parseOnnx(bytes), { batch: 8, float16: false, signal, onProgress });
//   out.modelJson, out.weights (Uint8Array), out.inputs / out.outputs (names, NHWC shapes)
//
// How: the graph is walked once in order while a zero-valued trace runs each op eagerly on the tfjs
// CPU backend. The trace gives every tensor's fixed shape and folds everything that depends only on
// constants and shapes (the Shape/Gather/Concat/Cast/Range/Expand/Where chains exporters emit).
// 4-D activations are kept NHWC (TF.js's native layout): layout-aware ops (Conv, pools, Resize,
// elementwise, Concat, Softmax, Pad, Slice, Split, reductions) work on NHWC directly; the few
// layout-bound ones (Reshape, Transpose, Flatten, MatMul...) transpose their input back first.

import * as tf from '@tensorflow/tfjs';
import { type AttrValue, OnnxError, type OnnxModel, type OnnxNode, type OnnxTensor } from './onnx-model';

export interface ConvertOptions {
  /** batch for a symbolic (dynamic) batch dimension; a fixed one in the file wins unless forceBatch */
  batch?: number;
  forceBatch?: boolean;
  float16?: boolean;
  /** refuse weights over this many bytes (default 512 MiB) */
  maxWeightBytes?: number;
  signal?: AbortSignal;
  onProgress?: (done: number, total: number) => void;
  generatedBy?: string;
}

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
}

interface Val {
  /** trace value (zeros-derived for dynamic values; exact for constants); ONNX layout unless nhwc */
  t: tf.Tensor;
  dyn: boolean;
  nhwc: boolean;
  /** GraphDef tensor reference of a dynamic value */
  ref?: string;
}

const SUPPORTED = new Set([
  'Conv',
  'ConvTranspose',
  'BatchNormalization',
  'Relu',
  'LeakyRelu',
  'Sigmoid',
  'Softmax',
  'Tanh',
  'Clip',
  'HardSigmoid',
  'HardSwish',
  'Gelu',
  'Erf',
  'Abs',
  'Exp',
  'Neg',
  'Sqrt',
  'MaxPool',
  'AveragePool',
  'GlobalAveragePool',
  'GlobalMaxPool',
  'ReduceMean',
  'ReduceMax',
  'ReduceSum',
  'Add',
  'Sub',
  'Mul',
  'Div',
  'Pow',
  'Concat',
  'Split',
  'Slice',
  'Pad',
  'Reshape',
  'Transpose',
  'Flatten',
  'Squeeze',
  'Unsqueeze',
  'Resize',
  'Upsample',
  'Gemm',
  'MatMul',
  'Identity',
  'Constant',
  'Shape',
  'Gather',
  'Expand',
  'Where',
  'Cast',
  'Range',
  'ConstantOfShape',
  'Equal',
  'Dropout',
  'Max',
  'Min',
]);

const TO_NHWC = [0, 2, 3, 1];
const TO_NCHW = [0, 3, 1, 2];
/** ONNX (NCHW) axis → NHWC storage axis */
const nhwcAxis = (a: number) => [0, 3, 1, 2][a];

const b64 = (s: string) => {
  const bytes = new TextEncoder().encode(s);
  let bin = '';
  for (const b of bytes) bin += String.fromCharCode(b);
  return btoa(bin);
};
const ints = (v: number[]) => ({ list: { i: v.map((x) => String(Math.trunc(x))) } });
const shapeAttr = (dims: number[]) => ({ dim: dims.map((d) => ({ size: String(d) })) });
const FLOAT_T = { T: { type: 'DT_FLOAT' } };

export function unsupportedOps(model: OnnxModel): string[] {
  const bad = new Map<string, string[]>();
  for (const n of model.nodes) {
    if ((n.domain && n.domain !== 'ai.onnx') || !SUPPORTED.has(n.opType)) {
      const key = n.domain && n.domain !== 'ai.onnx' ? `${n.domain}.${n.opType}` : n.opType;
      bad.set(key, [...(bad.get(key) ?? []), n.name]);
    }
  }
  return [...bad].map(
    ([op, names]) =>
      `${op} (${names.slice(0, 5).join(', ')}${names.length > 5 ? `, +${names.length - 5}` : ''})`,
  );
}

export async function convertOnnx(model: OnnxModel, options: ConvertOptions = {}): Promise<ConvertedModel> {
  const bad = unsupportedOps(model);
  if (bad.length > 0) throw new OnnxError(`unsupported ONNX op(s): ${bad.join('; ')}`);
  const cap = options.maxWeightBytes ?? 512 * 1024 * 1024;
  if (model.weightBytes > cap)
    throw new OnnxError(
      `weights are ${(model.weightBytes / 2 ** 20).toFixed(1)} MiB, over the ${(cap / 2 ** 20).toFixed(0)} MiB cap`,
    );
  const previous = tf.getBackend();
  if (previous !== 'cpu') await tf.setBackend('cpu');
  try {
    let result: ConvertedModel | undefined;
    tf.tidy(() => {
      result = new Converter(model, options).run();
    });
    return result!;
  } finally {
    if (previous && previous !== 'cpu') await tf.setBackend(previous);
  }
}

class Converter {
  private vals = new Map<string, Val>();
  private nodes: Record<string, unknown>[] = [];
  private consts: { name: string; t: tf.Tensor }[] = [];
  private names = new Set<string>();
  private ops: Record<string, number> = {};
  private node!: OnnxNode;

  constructor(
    private model: OnnxModel,
    private options: ConvertOptions,
  ) {}

  run(): ConvertedModel {
    const inputs: TensorSig[] = [];
    for (const vi of this.model.inputs) {
      if (!vi.dims) throw new OnnxError(`input "${vi.name}" has no shape in the file`);
      const dims = vi.dims.map((d, i) => {
        if (i === 0 && (typeof d !== 'number' || this.options.forceBatch)) return this.options.batch ?? 1;
        if (typeof d !== 'number' || d <= 0)
          throw new OnnxError(
            `input "${vi.name}" has a dynamic dimension ${i} ("${d}") that cannot be fixed: export with a fixed input size`,
          );
        return d;
      });
      if (dims.length !== 4)
        throw new OnnxError(`input "${vi.name}" is ${dims.length}-D; image inputs are 4-D NCHW`);
      const nhwc = TO_NHWC.map((p) => dims[p]);
      const name = this.unique(vi.name);
      this.emit(name, 'Placeholder', [], { dtype: { type: 'DT_FLOAT' }, shape: { shape: shapeAttr(nhwc) } });
      this.vals.set(vi.name, { t: tf.zeros(nhwc), dyn: true, nhwc: true, ref: name });
      inputs.push({ name: vi.name, shape: nhwc });
    }
    for (const [name, init] of this.model.initializers)
      this.vals.set(name, { t: tensorOf(init), dyn: false, nhwc: false });
    const total = this.model.nodes.length;
    this.model.nodes.forEach((n, k) => {
      if (this.options.signal?.aborted)
        throw this.options.signal.reason ?? new DOMException('aborted', 'AbortError');
      this.node = n;
      try {
        this.convertNode(n);
      } catch (e) {
        if (e instanceof OnnxError) throw e;
        throw new OnnxError(`${n.opType} node "${n.name}": ${(e as Error).message}`);
      }
      this.ops[n.opType] = (this.ops[n.opType] ?? 0) + 1;
      this.options.onProgress?.(k + 1, total);
    });
    const outputs: TensorSig[] = [];
    const sig = (list: TensorSig[]) =>
      Object.fromEntries(
        list.map((s) => [
          s.name,
          { name: `${s.name}:0`, dtype: 'DT_FLOAT', tensorShape: shapeAttr(s.shape) },
        ]),
      );
    for (const vo of this.model.outputs) {
      let v = this.get(vo.name);
      if (!v.dyn) v = this.constAsDyn(v);
      if (!v.nhwc && v.t.rank === 4) v = this.toNhwc(v);
      const name = this.unique(vo.name);
      this.emit(name, 'Identity', [v.ref!], FLOAT_T);
      outputs.push({ name: vo.name, shape: v.t.shape });
    }
    const { entries, data } = this.weightData();
    const modelJson = {
      format: 'graph-model',
      generatedBy: this.options.generatedBy ?? (this.model.producer || 'ONNX'),
      convertedBy: 'mrn-viewer src/inference/onnx (ONNX to GraphDef JSON, no TensorFlow)',
      modelTopology: { node: this.nodes, library: {}, versions: { producer: 1286 } },
      weightsManifest: [{ paths: ['group1-shard1of1.bin'], weights: entries }],
      signature: { inputs: sig(inputs), outputs: sig(outputs) },
    };
    return { modelJson, weights: data, inputs, outputs, ops: this.ops };
  }

  // ------------------------------------------------------------------ graph plumbing

  private unique(base: string): string {
    let name = base.replace(/[^A-Za-z0-9_./-]/g, '_').replace(/^[^A-Za-z0-9.]/, 'n') || 'n';
    for (let k = 1; this.names.has(name); k++) name = `${base.replace(/[^A-Za-z0-9_./-]/g, '_')}_${k}`;
    this.names.add(name);
    return name;
  }

  private emit(name: string, op: string, inputs: string[], attr: Record<string, unknown>): string {
    this.nodes.push({ name, op, ...(inputs.length ? { input: inputs } : {}), attr });
    return name;
  }

  /** A Const node for a trace value (float32 or int32). */
  private constNode(t: tf.Tensor, hint: string): string {
    const name = this.unique(`${this.node?.name ?? 'const'}/${hint}`);
    const dt = t.dtype === 'int32' ? 'DT_INT32' : 'DT_FLOAT';
    const kept = t.dtype === 'int32' || t.dtype === 'float32' ? t : t.toFloat();
    this.consts.push({ name, t: tf.keep(kept.clone()) });
    return this.emit(name, 'Const', [], {
      dtype: { type: dt },
      value: { tensor: { dtype: dt, tensorShape: shapeAttr(t.shape) } },
    });
  }

  private op(
    hint: string,
    op: string,
    inputs: string[],
    attr: Record<string, unknown>,
    t: tf.Tensor,
    nhwc: boolean,
  ): Val {
    const name = this.emit(this.unique(`${this.node.name}/${hint}`), op, inputs, attr);
    return { t, dyn: true, nhwc, ref: name };
  }

  private get(name: string): Val {
    const v = this.vals.get(name);
    if (!v) throw new OnnxError(`tensor "${name}" is used before it is produced`);
    return v;
  }

  private in(i: number): Val | undefined {
    const name = this.node.inputs[i];
    return name ? this.get(name) : undefined;
  }

  private constIn(i: number, what: string): tf.Tensor | undefined {
    const v = this.in(i);
    if (!v) return undefined;
    if (v.dyn)
      throw new OnnxError(
        `${this.node.opType} node "${this.node.name}": its ${what} must be constant for a fixed-shape graph`,
      );
    return v.t;
  }

  private constInts(i: number, what: string): number[] | undefined {
    const t = this.constIn(i, what);
    return t ? Array.from(t.dataSync(), Number) : undefined;
  }

  private set(v: Val, k = 0): undefined {
    this.vals.set(this.node.outputs[k], v);
  }

  private attr<T extends AttrValue>(name: string, fallback: T): T {
    const v = this.node.attrs[name];
    return (v === undefined ? fallback : v) as T;
  }

  private toNhwc(v: Val): Val {
    if (v.nhwc || v.t.rank !== 4) return v;
    if (!v.dyn) return { t: tf.transpose(v.t, TO_NHWC), dyn: false, nhwc: true };
    return this.op(
      'to_nhwc',
      'Transpose',
      [v.ref!, this.constNode(tf.tensor1d(TO_NHWC, 'int32'), 'perm_nhwc')],
      { T: { type: 'DT_FLOAT' }, Tperm: { type: 'DT_INT32' } },
      tf.transpose(v.t, TO_NHWC),
      true,
    );
  }

  private toPlain(v: Val): Val {
    if (!v.nhwc) return v;
    if (!v.dyn) return { t: tf.transpose(v.t, TO_NCHW), dyn: false, nhwc: false };
    return this.op(
      'to_nchw',
      'Transpose',
      [v.ref!, this.constNode(tf.tensor1d(TO_NCHW, 'int32'), 'perm_nchw')],
      { T: { type: 'DT_FLOAT' }, Tperm: { type: 'DT_INT32' } },
      tf.transpose(v.t, TO_NCHW),
      false,
    );
  }

  /** The GraphDef reference of a value in the given layout (constants become Const nodes). */
  private refAs(v: Val, nhwc: boolean, rank: number): string {
    if (v.dyn) {
      const w = nhwc ? this.toNhwc(v) : this.toPlain(v);
      if (w.t.rank !== rank && nhwc)
        return this.reshapeDyn(this.toPlain(v), broadcastShape(v.t.shape, rank, nhwc)).ref!;
      return w.ref!;
    }
    let t = v.nhwc ? tf.transpose(v.t, TO_NCHW) : v.t;
    if (nhwc && rank === 4) {
      // a broadcasting constant: right-align to 4-D (ONNX rule), then NHWC
      t = tf.transpose(t.reshape([...new Array(4 - t.rank).fill(1), ...t.shape]), TO_NHWC);
    }
    return this.constNode(t.dtype === 'float32' || t.dtype === 'int32' ? t : t.toFloat(), 'c');
  }

  private reshapeDyn(v: Val, shape: number[]): Val {
    const plain = this.toPlain(v);
    return this.op(
      'reshape',
      'Reshape',
      [plain.ref!, this.constNode(tf.tensor1d(shape, 'int32'), 'shape')],
      { T: { type: 'DT_FLOAT' }, Tshape: { type: 'DT_INT32' } },
      plain.t.reshape(shape),
      false,
    );
  }

  private constAsDyn(v: Val): Val {
    const ref = this.constNode(v.t.toFloat(), 'value');
    return { t: v.t.toFloat(), dyn: true, nhwc: v.nhwc, ref };
  }

  /** Logical (ONNX-order) shape of a value. */
  private shapeOf(v: Val): number[] {
    return v.nhwc ? TO_NCHW.map((p) => v.t.shape[p]) : v.t.shape;
  }

  private axisOf(v: Val, axis: number): number {
    const a = axis < 0 ? axis + v.t.rank : axis;
    return v.nhwc ? nhwcAxis(a) : a;
  }

  private weightData(): { entries: Record<string, unknown>[]; data: Uint8Array } {
    const parts: Uint8Array[] = [];
    const entries: Record<string, unknown>[] = [];
    for (const { name, t } of this.consts) {
      const values = t.dataSync();
      if (t.dtype === 'float32' && this.options.float16) {
        const h = new Uint16Array(values.length);
        for (let i = 0; i < values.length; i++) h[i] = floatToHalf(values[i]);
        parts.push(new Uint8Array(h.buffer));
        entries.push({ name, shape: t.shape, dtype: 'float32', quantization: { dtype: 'float16' } });
      } else {
        const arr = t.dtype === 'int32' ? Int32Array.from(values) : Float32Array.from(values);
        parts.push(new Uint8Array(arr.buffer));
        entries.push({ name, shape: t.shape, dtype: t.dtype === 'int32' ? 'int32' : 'float32' });
      }
      t.dispose();
    }
    const data = new Uint8Array(parts.reduce((a, p) => a + p.byteLength, 0));
    let o = 0;
    for (const p of parts) {
      data.set(p, o);
      o += p.byteLength;
    }
    return { entries, data };
  }

  // ------------------------------------------------------------------ ops

  private convertNode(n: OnnxNode): undefined {
    const x = this.in(0);
    const allConst = n.inputs.every((name) => !name || !this.get(name).dyn);
    switch (n.opType) {
      case 'Constant': {
        const t = this.attr('value', undefined) as OnnxTensor | undefined;
        const f = this.attr('value_float', undefined as unknown as number);
        const fs = this.attr('value_floats', undefined as unknown as number[]);
        const i = this.attr('value_int', undefined as unknown as number);
        const is = this.attr('value_ints', undefined as unknown as number[]);
        const value = t
          ? tensorOf(t)
          : f !== undefined
            ? tf.scalar(f)
            : fs !== undefined
              ? tf.tensor1d(fs)
              : i !== undefined
                ? tf.scalar(i, 'int32')
                : is !== undefined
                  ? tf.tensor1d(is, 'int32')
                  : null;
        if (!value) throw new OnnxError(`Constant node "${n.name}" has no supported value`);
        return this.set({ t: value, dyn: false, nhwc: false });
      }
      case 'Identity':
      case 'Dropout':
        return this.set(x!);
      case 'Cast': {
        const to = this.attr('to', 1) as number;
        if (x!.dyn) return this.set(x!); // float activations stay float
        return this.set({ ...x!, t: to === 1 || to === 11 || to === 10 ? x!.t.toFloat() : x!.t.toInt() });
      }
      case 'Shape': {
        let s = this.shapeOf(x!);
        const start = this.attr('start', 0) as number;
        const end = this.attr('end', s.length) as number;
        s = s.slice(start, end);
        return this.set({ t: tf.tensor1d(s, 'int32'), dyn: false, nhwc: false });
      }
      case 'ConstantOfShape': {
        const shape = this.constInts(0, 'shape')!;
        const v = this.attr('value', undefined) as OnnxTensor | undefined;
        const fill = v ? v.data[0] : 0;
        return this.set({ t: tf.fill(shape, fill, v?.dtype ?? 'float32'), dyn: false, nhwc: false });
      }
      case 'Range': {
        const [s, l, d] = [0, 1, 2].map((k) => this.constIn(k, 'range bound')!.dataSync()[0]);
        const dtype = this.in(0)!.t.dtype === 'int32' ? 'int32' : 'float32';
        return this.set({ t: tf.range(s, l, d, dtype), dyn: false, nhwc: false });
      }
    }
    if (allConst && n.opType !== 'Conv' && n.opType !== 'ConvTranspose') return this.foldConst(n);
    switch (n.opType) {
      case 'Relu':
      case 'Sigmoid':
      case 'Tanh':
      case 'Erf':
      case 'Abs':
      case 'Exp':
      case 'Neg':
      case 'Sqrt': {
        const fn = {
          Relu: tf.relu,
          Sigmoid: tf.sigmoid,
          Tanh: tf.tanh,
          Erf: tf.erf,
          Abs: tf.abs,
          Exp: tf.exp,
          Neg: tf.neg,
          Sqrt: tf.sqrt,
        }[n.opType]!;
        return this.set(this.op(n.opType.toLowerCase(), n.opType, [x!.ref!], FLOAT_T, fn(x!.t), x!.nhwc));
      }
      case 'LeakyRelu': {
        const alpha = this.attr('alpha', 0.01) as number;
        return this.set(
          this.op(
            'leaky_relu',
            'LeakyRelu',
            [x!.ref!],
            { ...FLOAT_T, alpha: { f: alpha } },
            tf.leakyRelu(x!.t, alpha),
            x!.nhwc,
          ),
        );
      }
      case 'Clip': {
        const lo = n.inputs[1]
          ? this.constIn(1, 'min')!.dataSync()[0]
          : (this.attr('min', -3.4e38) as number);
        const hi = n.inputs[2] ? this.constIn(2, 'max')!.dataSync()[0] : (this.attr('max', 3.4e38) as number);
        if (lo === 0 && hi === 6)
          return this.set(this.op('relu6', 'Relu6', [x!.ref!], FLOAT_T, tf.relu6(x!.t), x!.nhwc));
        return this.set(this.clip(x!, lo, hi));
      }
      case 'HardSigmoid':
      case 'HardSwish': {
        const alpha = n.opType === 'HardSwish' ? 1 / 6 : (this.attr('alpha', 0.2) as number);
        const beta = n.opType === 'HardSwish' ? 0.5 : (this.attr('beta', 0.5) as number);
        const a = this.binary('Mul', x!, { t: tf.scalar(alpha), dyn: false, nhwc: false });
        const b = this.binary('AddV2', a, { t: tf.scalar(beta), dyn: false, nhwc: false });
        const h = this.clip(b, 0, 1);
        return this.set(n.opType === 'HardSwish' ? this.binary('Mul', x!, h) : h);
      }
      case 'Gelu': {
        // 0.5·x·(1 + erf(x/√2)) (approximate='none')
        const s = this.binary('Mul', x!, { t: tf.scalar(Math.SQRT1_2), dyn: false, nhwc: false });
        const e = this.op('erf', 'Erf', [s.ref!], FLOAT_T, tf.erf(s.t), s.nhwc);
        const one = this.binary('AddV2', e, { t: tf.scalar(1), dyn: false, nhwc: false });
        const half = this.binary('Mul', x!, { t: tf.scalar(0.5), dyn: false, nhwc: false });
        return this.set(this.binary('Mul', half, one));
      }
      case 'Softmax': {
        const axis = this.axisOf(x!, this.attr('axis', this.model.opset >= 13 ? -1 : 1) as number);
        if (axis !== x!.t.rank - 1)
          throw new OnnxError(
            `Softmax node "${n.name}": only over the channel axis of 4-D tensors or the last axis`,
          );
        return this.set(this.op('softmax', 'Softmax', [x!.ref!], FLOAT_T, tf.softmax(x!.t), x!.nhwc));
      }
      case 'Add':
      case 'Sub':
      case 'Mul':
      case 'Div':
      case 'Pow':
      case 'Max':
      case 'Min': {
        const op = {
          Add: 'AddV2',
          Sub: 'Sub',
          Mul: 'Mul',
          Div: 'RealDiv',
          Pow: 'Pow',
          Max: 'Maximum',
          Min: 'Minimum',
        }[n.opType]!;
        return this.set(this.binary(op, x!, this.in(1)!));
      }
      case 'Conv':
        return this.set(this.conv(x!));
      case 'ConvTranspose':
        return this.set(this.convTranspose(x!));
      case 'BatchNormalization': {
        const [scale, bias, mean, variance] = [1, 2, 3, 4].map((k) => this.constIn(k, 'statistics')!);
        const eps = this.attr('epsilon', 1e-5) as number;
        const mul = tf.div(scale, tf.sqrt(tf.add(variance, eps)));
        const add = tf.sub(bias, tf.mul(mean, mul));
        const shape = [1, -1, ...new Array(Math.max(0, x!.t.rank - 2)).fill(1)];
        const m = this.binary('Mul', x!, { t: mul.reshape(shape), dyn: false, nhwc: false });
        return this.set(this.binary('AddV2', m, { t: add.reshape(shape), dyn: false, nhwc: false }));
      }
      case 'MaxPool':
      case 'AveragePool':
        return this.set(this.pool(x!, n.opType === 'MaxPool'));
      case 'GlobalAveragePool':
      case 'GlobalMaxPool': {
        const v = this.toNhwc(x!);
        const op = n.opType === 'GlobalMaxPool' ? 'Max' : 'Mean';
        const t = op === 'Max' ? tf.max(v.t, [1, 2], true) : tf.mean(v.t, [1, 2], true);
        return this.set(
          this.op(
            'global_pool',
            op,
            [v.ref!, this.constNode(tf.tensor1d([1, 2], 'int32'), 'axes')],
            { ...FLOAT_T, Tidx: { type: 'DT_INT32' }, keep_dims: { b: true } },
            t,
            true,
          ),
        );
      }
      case 'ReduceMean':
      case 'ReduceMax':
      case 'ReduceSum': {
        const axesIn = n.inputs[1]
          ? this.constInts(1, 'axes')
          : (this.attr('axes', undefined as unknown as number[]) as number[] | undefined);
        const axes = (axesIn ?? [...x!.t.shape.keys()]).map((a) => this.axisOf(x!, a)).sort();
        const keep = (this.attr('keepdims', 1) as number) === 1;
        if (!keep && x!.nhwc) {
          const r = this.reduce(
            this.toPlain(x!),
            n.opType,
            (axesIn ?? [...x!.t.shape.keys()]).map((a) => (a < 0 ? a + 4 : a)),
            false,
          );
          return this.set(r);
        }
        return this.set(this.reduce(x!, n.opType, axes, keep));
      }
      case 'Concat': {
        const vals = n.inputs.map((name) => this.get(name));
        const nhwc = vals.some((v) => v.dyn && v.nhwc) && vals[0].t.rank === 4;
        const rank = vals[0].t.rank;
        const axisOnnx =
          (this.attr('axis', 0) as number) < 0
            ? (this.attr('axis', 0) as number) + rank
            : (this.attr('axis', 0) as number);
        const axis = nhwc ? nhwcAxis(axisOnnx) : axisOnnx;
        const refs = vals.map((v) => this.refAs(v, nhwc, rank));
        const traces = vals.map((v) =>
          nhwc ? (v.nhwc ? v.t : tf.transpose(v.t, TO_NHWC)) : v.nhwc ? tf.transpose(v.t, TO_NCHW) : v.t,
        );
        return this.set(
          this.op(
            'concat',
            'ConcatV2',
            [...refs, this.constNode(tf.scalar(axis, 'int32'), 'axis')],
            { ...FLOAT_T, N: { i: String(refs.length) }, Tidx: { type: 'DT_INT32' } },
            tf.concat(
              traces.map((t) => t.toFloat()),
              axis,
            ),
            nhwc,
          ),
        );
      }
      case 'Split': {
        const axis = this.axisOf(x!, this.attr('axis', 0) as number);
        const dim = x!.t.shape[axis];
        let sizes = n.inputs[1]
          ? this.constInts(1, 'split')
          : (this.attr('split', undefined as unknown as number[]) as number[] | undefined);
        if (!sizes) {
          const parts = (this.attr('num_outputs', n.outputs.length) as number) || n.outputs.length;
          const each = Math.ceil(dim / parts);
          sizes = Array.from({ length: parts }, (_, k) => Math.min(each, dim - k * each));
        }
        const name = this.unique(`${n.name}/split`);
        this.emit(
          name,
          'SplitV',
          [
            x!.ref!,
            this.constNode(tf.tensor1d(sizes, 'int32'), 'sizes'),
            this.constNode(tf.scalar(axis, 'int32'), 'axis'),
          ],
          { ...FLOAT_T, Tlen: { type: 'DT_INT32' }, num_split: { i: String(sizes.length) } },
        );
        const traces = tf.split(x!.t, sizes, axis);
        for (const [k, t] of traces.entries()) {
          this.set({ t, dyn: true, nhwc: x!.nhwc, ref: k === 0 ? name : `${name}:${k}` }, k);
        }
        return undefined;
      }
      case 'Slice':
        return this.set(this.slice(x!));
      case 'Pad':
        return this.set(this.pad(x!));
      case 'Resize':
      case 'Upsample':
        return this.set(this.resize(x!));
      case 'Reshape':
      case 'Flatten':
      case 'Squeeze':
      case 'Unsqueeze':
      case 'Expand': {
        const plain = this.toPlain(x!);
        const out = this.foldShape(n, plain.t);
        if (n.opType === 'Expand' && out.size !== plain.t.size) {
          const shape = out.shape;
          const tiled = this.op(
            'expand',
            'BroadcastTo',
            [plain.ref!, this.constNode(tf.tensor1d(shape, 'int32'), 'shape')],
            { ...FLOAT_T, Tidx: { type: 'DT_INT32' } },
            out,
            false,
          );
          return this.set(tiled);
        }
        return this.set(this.reshapeDyn(plain, out.shape));
      }
      case 'Transpose': {
        const plain = this.toPlain(x!);
        const perm =
          (this.attr('perm', undefined as unknown as number[]) as number[] | undefined) ??
          [...plain.t.shape.keys()].reverse();
        return this.set(
          this.op(
            'transpose',
            'Transpose',
            [plain.ref!, this.constNode(tf.tensor1d(perm, 'int32'), 'perm')],
            { ...FLOAT_T, Tperm: { type: 'DT_INT32' } },
            tf.transpose(plain.t, perm),
            false,
          ),
        );
      }
      case 'Gemm':
        return this.set(this.gemm(x!));
      case 'MatMul': {
        const a = this.toPlain(x!);
        const b = this.in(1)!;
        const bRef = b.dyn ? this.toPlain(b).ref! : this.constNode(b.t, 'b');
        const bt = b.dyn ? this.toPlain(b).t : b.t;
        const op = a.t.rank === 2 && bt.rank === 2 ? 'MatMul' : 'BatchMatMulV2';
        const attr =
          op === 'MatMul'
            ? { ...FLOAT_T, transpose_a: { b: false }, transpose_b: { b: false } }
            : { ...FLOAT_T, adj_x: { b: false }, adj_y: { b: false } };
        return this.set(
          this.op(
            'matmul',
            op,
            [a.ref!, bRef],
            attr,
            tf.matMul(a.t, bt.rank === 2 && a.t.rank > 2 ? bt : bt),
            false,
          ),
        );
      }
      case 'Where':
      case 'Gather':
      case 'Equal':
        throw new OnnxError(
          `${n.opType} node "${n.name}" depends on the image values, not only on shapes: it cannot be folded for a fixed-shape graph`,
        );
    }
    throw new OnnxError(`${n.opType} node "${n.name}" is not handled`);
  }

  /** Evaluates a node whose inputs are all constants (shape chains): the value becomes a constant. */
  private foldConst(n: OnnxNode): undefined {
    const ins = n.inputs.map((name) => (name ? this.toPlain(this.get(name)).t : undefined));
    const x = ins[0]!;
    const f = (t: tf.Tensor) => this.set({ t, dyn: false, nhwc: false });
    const same = (a: tf.Tensor, b: tf.Tensor): [tf.Tensor, tf.Tensor] =>
      a.dtype === b.dtype ? [a, b] : [a.toFloat(), b.toFloat()];
    switch (n.opType) {
      case 'Add':
      case 'Sub':
      case 'Mul':
      case 'Div':
      case 'Pow':
      case 'Max':
      case 'Min': {
        const [a, b] = same(x, ins[1]!);
        const r = {
          Add: tf.add,
          Sub: tf.sub,
          Mul: tf.mul,
          Div: a.dtype === 'int32' ? tf.floorDiv : tf.div,
          Pow: tf.pow,
          Max: tf.maximum,
          Min: tf.minimum,
        }[n.opType]!(a, b);
        return f(r);
      }
      case 'Equal': {
        const [a, b] = same(x, ins[1]!);
        return f(tf.equal(a, b).toInt());
      }
      case 'Where':
        return f(tf.where(x.toBool(), ...same(ins[1]!, ins[2]!)));
      case 'Gather': {
        const axis = this.attr('axis', 0) as number;
        const ax = axis < 0 ? axis + x.rank : axis;
        const idx = ins[1]!.toInt();
        const fixed = tf.where(tf.less(idx, 0), tf.add(idx, x.shape[ax]), idx);
        return f(tf.gather(x, fixed, ax));
      }
      case 'Concat': {
        const axis = this.attr('axis', 0) as number;
        const ts = ins.filter((t): t is tf.Tensor => !!t);
        const dtype = ts.every((t) => t.dtype === 'int32') ? 'int32' : 'float32';
        return f(
          tf.concat(
            ts.map((t) => t.cast(dtype)),
            axis < 0 ? axis + ts[0].rank : axis,
          ),
        );
      }
      case 'Reshape':
      case 'Flatten':
      case 'Squeeze':
      case 'Unsqueeze':
      case 'Expand':
        return f(this.foldShape(n, x));
      case 'Transpose':
        return f(
          tf.transpose(
            x,
            (this.attr('perm', undefined as unknown as number[]) as number[] | undefined) ?? undefined,
          ),
        );
      case 'Slice':
        return f(this.sliceValue(x));
      default: {
        // elementwise math on constants (e.g. a constant branch through Relu): evaluate it as a graph op would
        const fn: Record<string, (t: tf.Tensor) => tf.Tensor> = {
          Relu: tf.relu,
          Sigmoid: tf.sigmoid,
          Tanh: tf.tanh,
          Erf: tf.erf,
          Abs: tf.abs,
          Exp: tf.exp,
          Neg: tf.neg,
          Sqrt: tf.sqrt,
        };
        if (fn[n.opType]) return f(fn[n.opType](x.toFloat()));
        // anything else on constants: run it through the dynamic path on a Const node
        const v = this.constAsDyn({ t: x.toFloat(), dyn: false, nhwc: false });
        this.vals.set(n.inputs[0], v);
        return this.convertNode(n);
      }
    }
  }

  /** Reshape/Flatten/Squeeze/Unsqueeze/Expand on a plain (ONNX-layout) value. */
  private foldShape(n: OnnxNode, x: tf.Tensor): tf.Tensor {
    switch (n.opType) {
      case 'Reshape': {
        const shape = this.constInts(1, 'shape')!;
        const allowZero = (this.attr('allowzero', 0) as number) === 1;
        return x.reshape(shape.map((d, i) => (d === 0 && !allowZero ? x.shape[i] : d)));
      }
      case 'Flatten': {
        const a = this.attr('axis', 1) as number;
        const axis = a < 0 ? a + x.rank : a;
        const lead = x.shape.slice(0, axis).reduce((p, d) => p * d, 1);
        return x.reshape([lead, -1]);
      }
      case 'Squeeze': {
        const axes = (
          n.inputs[1]
            ? this.constInts(1, 'axes')
            : (this.attr('axes', undefined as unknown as number[]) as number[] | undefined)
        )?.map((a) => (a < 0 ? a + x.rank : a));
        return x.reshape(x.shape.filter((d, i) => (axes ? !axes.includes(i) : d !== 1)));
      }
      case 'Unsqueeze': {
        const axesRaw = n.inputs[1] ? this.constInts(1, 'axes')! : (this.attr('axes', []) as number[]);
        const rank = x.rank + axesRaw.length;
        const axes = axesRaw.map((a) => (a < 0 ? a + rank : a)).sort((a, b) => a - b);
        const shape = [...x.shape];
        for (const a of axes) shape.splice(a, 0, 1);
        return x.reshape(shape);
      }
      case 'Expand': {
        const shape = this.constInts(1, 'shape')!;
        const rank = Math.max(shape.length, x.rank);
        const xs = [...new Array(rank - x.rank).fill(1), ...x.shape];
        const ss = [...new Array(rank - shape.length).fill(1), ...shape];
        const out = xs.map((d, i) => (d === 1 ? ss[i] : d));
        return tf.broadcastTo(x.reshape(xs), out);
      }
    }
    throw new OnnxError(`cannot fold ${n.opType}`);
  }

  private binary(op: string, a: Val, b: Val): Val {
    const rank = Math.max(a.t.rank, b.t.rank);
    const nhwc =
      rank === 4 &&
      ((a.dyn && a.nhwc) ||
        (b.dyn && b.nhwc) ||
        (a.dyn && a.t.rank === 4 && !b.dyn) ||
        (b.dyn && b.t.rank === 4 && !a.dyn));
    const trace = (v: Val) => {
      let t = v.nhwc ? tf.transpose(v.t, TO_NCHW) : v.t;
      t = t.reshape(broadcastShape(t.shape, rank, false));
      return (nhwc ? tf.transpose(t, TO_NHWC) : t).toFloat();
    };
    const fn: Record<string, (x: tf.Tensor, y: tf.Tensor) => tf.Tensor> = {
      AddV2: tf.add,
      Sub: tf.sub,
      Mul: tf.mul,
      RealDiv: tf.div,
      Pow: tf.pow,
      Maximum: tf.maximum,
      Minimum: tf.minimum,
    };
    const refOf = (v: Val) =>
      v.dyn
        ? this.refAs(v, nhwc, rank)
        : this.refAs({ ...v, t: v.t.toFloat() }, nhwc, v.t.rank === 0 ? 0 : rank);
    return this.op(op.toLowerCase(), op, [refOf(a), refOf(b)], FLOAT_T, fn[op](trace(a), trace(b)), nhwc);
  }

  private clip(x: Val, lo: number, hi: number): Val {
    return this.op(
      'clip',
      'ClipByValue',
      [x.ref!, this.constNode(tf.scalar(lo), 'lo'), this.constNode(tf.scalar(hi), 'hi')],
      FLOAT_T,
      tf.clipByValue(x.t, lo, hi),
      x.nhwc,
    );
  }

  private reduce(x: Val, opType: string, axes: number[], keep: boolean): Val {
    const op = { ReduceMean: 'Mean', ReduceMax: 'Max', ReduceSum: 'Sum' }[opType]!;
    const fn = { Mean: tf.mean, Max: tf.max, Sum: tf.sum }[op]!;
    return this.op(
      'reduce',
      op,
      [x.ref!, this.constNode(tf.tensor1d(axes, 'int32'), 'axes')],
      { ...FLOAT_T, Tidx: { type: 'DT_INT32' }, keep_dims: { b: keep } },
      fn(x.t, axes, keep),
      x.nhwc && keep,
    );
  }

  /** ONNX pads [t, l, b, r] from attributes (explicit or auto_pad). */
  private pads2d(inH: number, inW: number, k: number[], s: number[], d: number[]): number[] {
    const auto = this.attr('auto_pad', 'NOTSET') as string;
    if (auto === 'VALID') return [0, 0, 0, 0];
    if (auto === 'SAME_UPPER' || auto === 'SAME_LOWER') {
      const total = [inH, inW].map((n, i) =>
        Math.max(0, (Math.ceil(n / s[i]) - 1) * s[i] + (k[i] - 1) * d[i] + 1 - n),
      );
      const lo = total.map((t) => (auto === 'SAME_UPPER' ? Math.floor(t / 2) : Math.ceil(t / 2)));
      return [lo[0], lo[1], total[0] - lo[0], total[1] - lo[1]];
    }
    return (this.attr('pads', [0, 0, 0, 0]) as number[]).slice();
  }

  private padNhwc(x: Val, p: number[], value = 0): Val {
    if (p.every((v) => v === 0)) return x;
    const paddings = [
      [0, 0],
      [p[0], p[2]],
      [p[1], p[3]],
      [0, 0],
    ] as [number, number][];
    return this.op(
      'pad',
      'PadV2',
      [
        x.ref!,
        this.constNode(tf.tensor2d(paddings, [4, 2], 'int32'), 'paddings'),
        this.constNode(tf.scalar(value), 'value'),
      ],
      { ...FLOAT_T, Tpaddings: { type: 'DT_INT32' } },
      tf.pad(x.t, paddings, value),
      true,
    );
  }

  private conv(xIn: Val): Val {
    const x = this.toNhwc(xIn.dyn ? xIn : this.constAsDyn(xIn));
    if (x.t.rank !== 4)
      throw new OnnxError(`Conv node "${this.node.name}": only 2-D convolutions are supported`);
    const w = this.constIn(1, 'weight')!;
    const bias = this.in(2) ? this.constIn(2, 'bias') : undefined;
    const [O, Ig, kh, kw] = w.shape;
    const s = this.attr('strides', [1, 1]) as number[];
    const d = this.attr('dilations', [1, 1]) as number[];
    const g = this.attr('group', 1) as number;
    const C = x.t.shape[3];
    const p = this.pads2d(x.t.shape[1]!, x.t.shape[2]!, [kh, kw], s, d);
    const same =
      s[0] === 1 &&
      s[1] === 1 &&
      p[0] === p[2] &&
      p[1] === p[3] &&
      p[0] * 2 === d[0] * (kh - 1) &&
      p[1] * 2 === d[1] * (kw - 1);
    const src = same ? x : this.padNhwc(x, p);
    const padding = same ? 'SAME' : 'VALID';
    const attr = (op: string) => ({
      ...FLOAT_T,
      strides: ints([1, s[0], s[1], 1]),
      padding: { s: b64(padding) },
      data_format: { s: b64('NHWC') },
      dilations: ints([1, d[0], d[1], 1]),
      ...(op === 'Conv2D' ? { use_cudnn_on_gpu: { b: true }, explicit_paddings: { list: {} } } : {}),
    });
    const pad = padding === 'SAME' ? 'same' : 'valid';
    let y: Val;
    if (g === 1) {
      const k = tf.transpose(w, [2, 3, 1, 0]);
      y = this.op(
        'conv',
        'Conv2D',
        [src.ref!, this.constNode(k, 'kernel')],
        attr('Conv2D'),
        tf.conv2d(src.t as tf.Tensor4D, k as tf.Tensor4D, [s[0], s[1]], pad, 'NHWC', [d[0], d[1]]),
        true,
      );
    } else if (g === C && Ig === 1 && s[0] === s[1]) {
      const m = O / C;
      const k = tf.transpose(w.reshape([C, m, kh, kw]), [2, 3, 0, 1]);
      y = this.op(
        'dwconv',
        'DepthwiseConv2dNative',
        [src.ref!, this.constNode(k, 'kernel')],
        attr('Depthwise'),
        tf.depthwiseConv2d(src.t as tf.Tensor4D, k as tf.Tensor4D, [s[0], s[1]], pad, 'NHWC', [d[0], d[1]]),
        true,
      );
    } else {
      // grouped: split channels, convolve each group, concatenate
      const name = this.unique(`${this.node.name}/groups`);
      this.emit(name, 'Split', [this.constNode(tf.scalar(3, 'int32'), 'axis'), src.ref!], {
        ...FLOAT_T,
        num_split: { i: String(g) },
      });
      const parts = tf.split(src.t, g, 3);
      const og = O / g;
      const outs = parts.map((part, k) => {
        const kk = tf.transpose(w.slice([k * og, 0, 0, 0], [og, Ig, kh, kw]), [2, 3, 1, 0]);
        return this.op(
          `conv_g${k}`,
          'Conv2D',
          [k === 0 ? name : `${name}:${k}`, this.constNode(kk, `kernel_g${k}`)],
          attr('Conv2D'),
          tf.conv2d(part as tf.Tensor4D, kk as tf.Tensor4D, [s[0], s[1]], pad, 'NHWC', [d[0], d[1]]),
          true,
        );
      });
      y = this.op(
        'concat_groups',
        'ConcatV2',
        [...outs.map((o) => o.ref!), this.constNode(tf.scalar(3, 'int32'), 'axis')],
        { ...FLOAT_T, N: { i: String(g) }, Tidx: { type: 'DT_INT32' } },
        tf.concat(
          outs.map((o) => o.t),
          3,
        ),
        true,
      );
    }
    if (!bias) return y;
    return this.op(
      'bias',
      'BiasAdd',
      [y.ref!, this.constNode(bias, 'bias')],
      { ...FLOAT_T, data_format: { s: b64('NHWC') } },
      tf.add(y.t, bias),
      true,
    );
  }

  private convTranspose(xIn: Val): Val {
    const x = this.toNhwc(xIn);
    const w = this.constIn(1, 'weight')!;
    const bias = this.in(2) ? this.constIn(2, 'bias') : undefined;
    const [, Og, kh, kw] = w.shape;
    const g = this.attr('group', 1) as number;
    const d = this.attr('dilations', [1, 1]) as number[];
    if (g !== 1 || d[0] !== 1 || d[1] !== 1)
      throw new OnnxError(`ConvTranspose node "${this.node.name}": groups and dilations are not supported`);
    const s = this.attr('strides', [1, 1]) as number[];
    const op = this.attr('output_padding', [0, 0]) as number[];
    const p = (this.attr('pads', [0, 0, 0, 0]) as number[]).slice();
    const [N, H, W] = x.t.shape;
    const full = [(H - 1) * s[0] + kh, (W - 1) * s[1] + kw];
    const explicit = this.attr('output_shape', undefined as unknown as number[]) as number[] | undefined;
    const out = explicit
      ? explicit.slice(-2)
      : [full[0] - p[0] - p[2] + op[0], full[1] - p[1] - p[3] + op[1]];
    const k = tf.transpose(w, [2, 3, 1, 0]);
    const fullShape = [N, full[0], full[1], Og] as [number, number, number, number];
    let y = this.op(
      'conv_transpose',
      'Conv2DBackpropInput',
      [this.constNode(tf.tensor1d(fullShape, 'int32'), 'output_shape'), this.constNode(k, 'kernel'), x.ref!],
      {
        ...FLOAT_T,
        strides: ints([1, s[0], s[1], 1]),
        padding: { s: b64('VALID') },
        data_format: { s: b64('NHWC') },
        dilations: ints([1, 1, 1, 1]),
        use_cudnn_on_gpu: { b: true },
        explicit_paddings: { list: {} },
      },
      tf.conv2dTranspose(x.t as tf.Tensor4D, k as tf.Tensor4D, fullShape, [s[0], s[1]], 'valid'),
      true,
    );
    // crop the pads, then extend by output_padding past the full size with zeros
    const extra = [Math.max(0, p[0] + out[0] - full[0]), Math.max(0, p[1] + out[1] - full[1])];
    if (extra[0] || extra[1]) y = this.padNhwc(y, [0, 0, extra[0], extra[1]]);
    if (p[0] || p[1] || y.t.shape[1] !== out[0] || y.t.shape[2] !== out[1])
      y = this.sliceNhwc(y, [0, p[0], p[1], 0], [N, out[0], out[1], Og]);
    if (!bias) return y;
    return this.op(
      'bias',
      'BiasAdd',
      [y.ref!, this.constNode(bias, 'bias')],
      { ...FLOAT_T, data_format: { s: b64('NHWC') } },
      tf.add(y.t, bias),
      true,
    );
  }

  private sliceNhwc(x: Val, begin: number[], size: number[]): Val {
    return this.op(
      'slice',
      'Slice',
      [
        x.ref!,
        this.constNode(tf.tensor1d(begin, 'int32'), 'begin'),
        this.constNode(tf.tensor1d(size, 'int32'), 'size'),
      ],
      { ...FLOAT_T, Index: { type: 'DT_INT32' } },
      tf.slice(x.t, begin, size),
      x.nhwc,
    );
  }

  private pool(xIn: Val, max: boolean): Val {
    const x = this.toNhwc(xIn);
    const k = this.attr('kernel_shape', [1, 1]) as number[];
    const s = this.attr('strides', [1, 1]) as number[];
    const d = this.attr('dilations', [1, 1]) as number[];
    if (d.some((v) => v !== 1))
      throw new OnnxError(`${this.node.opType} node "${this.node.name}": dilations are not supported`);
    const p = this.pads2d(x.t.shape[1]!, x.t.shape[2]!, k, s, d);
    if ((this.attr('ceil_mode', 0) as number) === 1) {
      // extend the end pads so that floor division gives ceil's extra window
      for (const i of [0, 1]) {
        const n = x.t.shape[1 + i] + p[i] + p[i + 2];
        const rem = (n - k[i]) % s[i];
        if (rem !== 0 && Math.ceil((n - k[i]) / s[i]) * s[i] < n - 0 + p[i]) p[i + 2] += s[i] - rem;
      }
    }
    const includePad = (this.attr('count_include_pad', 0) as number) === 1;
    const padded = this.padNhwc(x, p, max ? -3.4e38 : 0);
    const attr = {
      ...FLOAT_T,
      ksize: ints([1, k[0], k[1], 1]),
      strides: ints([1, s[0], s[1], 1]),
      padding: { s: b64('VALID') },
      data_format: { s: b64('NHWC') },
    };
    const trace = max
      ? tf.maxPool(padded.t as tf.Tensor4D, [k[0], k[1]], [s[0], s[1]], 'valid')
      : tf.avgPool(padded.t as tf.Tensor4D, [k[0], k[1]], [s[0], s[1]], 'valid');
    const y = this.op(
      max ? 'maxpool' : 'avgpool',
      max ? 'MaxPool' : 'AvgPool',
      [padded.ref!],
      attr,
      trace,
      true,
    );
    if (max || includePad || p.every((v) => v === 0)) return y;
    // count_include_pad = 0: rescale each window by k·k / (its count of real pixels)
    const ones = tf.pad(tf.ones([1, x.t.shape[1]!, x.t.shape[2]!, 1]), [
      [0, 0],
      [p[0], p[2]],
      [p[1], p[3]],
      [0, 0],
    ]);
    const count = tf.avgPool(ones as tf.Tensor4D, [k[0], k[1]], [s[0], s[1]], 'valid');
    return this.binary('RealDiv', y, { t: tf.transpose(count, TO_NCHW), dyn: false, nhwc: false });
  }

  private sliceValue(x: tf.Tensor): tf.Tensor {
    const { begin, end, steps, endMask } = this.sliceParams(x.shape);
    return tf.stridedSlice(x, begin, end, steps, 0, endMask);
  }

  private sliceParams(shape: number[]): { begin: number[]; end: number[]; steps: number[]; endMask: number } {
    const opset10 = this.node.inputs.length > 1;
    const starts = opset10 ? this.constInts(1, 'starts')! : (this.attr('starts', []) as number[]);
    const ends = opset10 ? this.constInts(2, 'ends')! : (this.attr('ends', []) as number[]);
    const axes =
      (opset10 && this.node.inputs[3]
        ? this.constInts(3, 'axes')
        : (this.attr('axes', undefined as unknown as number[]) as number[] | undefined)) ??
      starts.map((_, i) => i);
    const stepsIn = opset10 && this.node.inputs[4] ? this.constInts(4, 'steps')! : starts.map(() => 1);
    const begin = shape.map(() => 0);
    const end = [...shape];
    const steps = shape.map(() => 1);
    let endMask = 0;
    axes.forEach((a0, i) => {
      const a = a0 < 0 ? a0 + shape.length : a0;
      const n = shape[a];
      const st = stepsIn[i];
      const clampIdx = (v: number, lo: number, hi: number) => Math.max(lo, Math.min(hi, v < 0 ? v + n : v));
      begin[a] = st > 0 ? clampIdx(starts[i], 0, n) : clampIdx(starts[i], -1, n - 1);
      end[a] = st > 0 ? clampIdx(ends[i], 0, n) : ends[i] < -n ? -1 : clampIdx(ends[i], -1, n - 1);
      steps[a] = st;
      // a reversed slice running past index 0: TF reads end −1 as "the last element", so mask it
      if (st < 0 && end[a] < 0) endMask |= 1 << a;
    });
    return { begin, end, steps, endMask };
  }

  private slice(x: Val): Val {
    const logical = this.shapeOf(x);
    const { begin, end, steps, endMask } = this.sliceParams(logical);
    const perm = x.nhwc ? TO_NHWC : [...logical.keys()];
    if (endMask !== 0)
      throw new OnnxError(`Slice node "${this.node.name}": reversed slices of activations are not supported`);
    const b = perm.map((i) => begin[i]);
    const e = perm.map((i) => end[i]);
    const st = perm.map((i) => steps[i]);
    if (st.some((v) => v !== 1)) {
      return this.op(
        'strided_slice',
        'StridedSlice',
        [
          x.ref!,
          this.constNode(tf.tensor1d(b, 'int32'), 'begin'),
          this.constNode(tf.tensor1d(e, 'int32'), 'end'),
          this.constNode(tf.tensor1d(st, 'int32'), 'strides'),
        ],
        {
          ...FLOAT_T,
          Index: { type: 'DT_INT32' },
          begin_mask: { i: '0' },
          end_mask: { i: '0' },
          ellipsis_mask: { i: '0' },
          new_axis_mask: { i: '0' },
          shrink_axis_mask: { i: '0' },
        },
        tf.stridedSlice(x.t, b, e, st),
        x.nhwc,
      );
    }
    return this.sliceNhwc(
      x,
      b,
      b.map((v, i) => Math.max(0, e[i] - v)),
    );
  }

  private pad(x: Val): Val {
    const rank = x.t.rank;
    const padsIn = this.node.inputs[1] ? this.constInts(1, 'pads')! : (this.attr('pads', []) as number[]);
    const value = this.node.inputs[2]
      ? this.constIn(2, 'value')!.dataSync()[0]
      : (this.attr('value', 0) as number);
    const axes = this.node.inputs[3] ? this.constInts(3, 'axes')! : [...new Array(rank).keys()];
    const logical: [number, number][] = new Array(rank).fill(0).map(() => [0, 0]);
    axes.forEach((a0, i) => {
      const a = a0 < 0 ? a0 + rank : a0;
      logical[a] = [padsIn[i], padsIn[i + axes.length]];
    });
    if (logical.some(([b, e]) => b < 0 || e < 0))
      throw new OnnxError(`Pad node "${this.node.name}": negative pads are not supported`);
    const paddings = x.nhwc ? TO_NHWC.map((i) => logical[i]) : logical;
    const mode = this.attr('mode', 'constant') as string;
    const pref = this.constNode(tf.tensor2d(paddings, [rank, 2], 'int32'), 'paddings');
    if (mode === 'constant')
      return this.op(
        'pad',
        'PadV2',
        [x.ref!, pref, this.constNode(tf.scalar(value), 'value')],
        { ...FLOAT_T, Tpaddings: { type: 'DT_INT32' } },
        tf.pad(x.t, paddings, value),
        x.nhwc,
      );
    if (mode === 'reflect')
      return this.op(
        'pad',
        'MirrorPad',
        [x.ref!, pref],
        { ...FLOAT_T, Tpaddings: { type: 'DT_INT32' }, mode: { s: b64('REFLECT') } },
        tf.mirrorPad(x.t, paddings, 'reflect'),
        x.nhwc,
      );
    throw new OnnxError(`Pad node "${this.node.name}": mode "${mode}" is not supported (constant, reflect)`);
  }

  private resize(xIn: Val): Val {
    const x = this.toNhwc(xIn);
    const n = this.node;
    const [N, H, W, C] = x.t.shape;
    let size: number[];
    if (n.opType === 'Upsample') {
      const scales = n.inputs[1]
        ? Array.from(this.constIn(1, 'scales')!.dataSync())
        : (this.attr('scales', []) as number[]);
      size = [Math.floor(H * scales[2]), Math.floor(W * scales[3])];
    } else {
      const sizes = n.inputs[3] ? this.constInts(3, 'sizes') : undefined;
      const scalesT = n.inputs[2] ? this.constIn(2, 'scales') : undefined;
      const scales = scalesT && scalesT.size > 0 ? Array.from(scalesT.dataSync()) : undefined;
      if (sizes && sizes.length > 0) size = sizes.slice(-2);
      else if (scales) size = [Math.floor(H * scales[2]), Math.floor(W * scales[3])];
      else throw new OnnxError(`Resize node "${n.name}": neither scales nor sizes`);
    }
    const mode = this.attr('mode', 'nearest') as string;
    const ctm =
      n.opType === 'Upsample'
        ? 'asymmetric'
        : (this.attr('coordinate_transformation_mode', 'half_pixel') as string);
    const nearestMode = this.attr('nearest_mode', 'round_prefer_floor') as string;
    const sizeRef = this.constNode(tf.tensor1d(size, 'int32'), 'size');
    void N;
    void C;
    if (mode === 'linear' || mode === 'bilinear') {
      const flags: Record<string, [boolean, boolean]> = {
        half_pixel: [false, true],
        pytorch_half_pixel: [false, true],
        align_corners: [true, false],
        asymmetric: [false, false],
      };
      const f = flags[ctm];
      if (!f)
        throw new OnnxError(
          `Resize node "${n.name}": coordinate_transformation_mode "${ctm}" is not supported`,
        );
      return this.op(
        'resize',
        'ResizeBilinear',
        [x.ref!, sizeRef],
        { ...FLOAT_T, align_corners: { b: f[0] }, half_pixel_centers: { b: f[1] } },
        tf.image.resizeBilinear(x.t as tf.Tensor4D, size as [number, number], f[0], f[1]),
        true,
      );
    }
    if (mode === 'nearest') {
      const ok = (ctm === 'asymmetric' && nearestMode === 'floor') || n.opType === 'Upsample';
      const integer = size[0] % H === 0 && size[1] % W === 0;
      // integer upscales: every ONNX nearest mode picks the same source pixels as asymmetric floor
      // for half_pixel + round_prefer_floor / round_prefer_ceil only when the factor is an integer... keep to the exact case
      if (!ok && !(integer && ctm === 'asymmetric'))
        throw new OnnxError(
          `Resize node "${n.name}": nearest with ${ctm}/${nearestMode} is not supported (asymmetric + floor, as PyTorch exports)`,
        );
      return this.op(
        'resize',
        'ResizeNearestNeighbor',
        [x.ref!, sizeRef],
        { ...FLOAT_T, align_corners: { b: false }, half_pixel_centers: { b: false } },
        tf.image.resizeNearestNeighbor(x.t as tf.Tensor4D, size as [number, number], false, false),
        true,
      );
    }
    throw new OnnxError(`Resize node "${n.name}": mode "${mode}" is not supported (nearest, linear)`);
  }

  private gemm(aIn: Val): Val {
    const a = this.toPlain(aIn);
    const b = this.constIn(1, 'B')!;
    const transA = (this.attr('transA', 0) as number) === 1;
    const transB = (this.attr('transB', 0) as number) === 1;
    const alpha = this.attr('alpha', 1) as number;
    const beta = this.attr('beta', 1) as number;
    const bb = alpha === 1 ? b : tf.mul(b, alpha);
    let y = this.op(
      'gemm',
      'MatMul',
      [a.ref!, this.constNode(bb, 'B')],
      { ...FLOAT_T, transpose_a: { b: transA }, transpose_b: { b: transB } },
      tf.matMul(a.t, bb, transA, transB),
      false,
    );
    if (this.in(2)) {
      const c = this.constIn(2, 'C')!;
      y = this.binary('AddV2', y, { t: beta === 1 ? c : tf.mul(c, beta), dyn: false, nhwc: false });
    }
    return y;
  }
}

function broadcastShape(shape: number[], rank: number, _nhwc: boolean): number[] {
  return [...new Array(Math.max(0, rank - shape.length)).fill(1), ...shape];
}

function tensorOf(t: OnnxTensor): tf.Tensor {
  return tf.tensor(t.data, t.dims, t.dtype);
}

export function floatToHalf(v: number): number {
  const f = new Float32Array([v]);
  const x = new Uint32Array(f.buffer)[0];
  const sign = (x >> 16) & 0x8000;
  const exp = ((x >> 23) & 0xff) - 127 + 15;
  const mant = x & 0x7fffff;
  if (exp <= 0) {
    if (exp < -10) return sign;
    const m = (mant | 0x800000) >> (1 - exp);
    return sign | ((m + 0x1000) >> 13);
  }
  if (exp >= 31) return sign | 0x7c00 | (((x >> 23) & 0xff) === 0xff && mant ? 0x200 : 0);
  const r = sign | (exp << 10) | (mant >> 13);
  return mant & 0x1000 ? r + 1 : r; // round half up on the dropped bits
}
