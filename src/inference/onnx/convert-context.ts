// The converter's state and graph plumbing, shared by the op modules (ops-*.ts): the traced
// values by ONNX tensor name, the GraphDef nodes emitted so far, the constants that become weights,
// and the layout moves between ONNX order and NHWC storage.
//
// A value (Val) carries a trace tensor: exact for constants, zeros-derived for dynamic values
// (whose only use is their shape). Op handlers read `c.node`, its inputs through `c.in(i)`, and
// store results with `c.set(v)`.

import * as tf from '@tensorflow/tfjs';
import { FLOAT_T, shapeAttr } from './graphdef-attrs';
import { broadcastShape, nhwcAxis, TO_NCHW, TO_NHWC } from './layout';
import { type AttrValue, OnnxError, type OnnxModel, type OnnxNode } from './onnx-model';

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

export interface Val {
  /** trace value (zeros-derived for dynamic values; exact for constants); ONNX layout unless nhwc */
  t: tf.Tensor;
  dyn: boolean;
  nhwc: boolean;
  /** GraphDef tensor reference of a dynamic value */
  ref?: string;
}

/** A constant value in ONNX layout. */
export const constVal = (t: tf.Tensor): Val => ({ t, dyn: false, nhwc: false });

export class Ctx {
  vals = new Map<string, Val>();
  nodes: Record<string, unknown>[] = [];
  consts: { name: string; t: tf.Tensor }[] = [];
  names = new Set<string>();
  node!: OnnxNode;

  constructor(
    readonly model: OnnxModel,
    readonly options: ConvertOptions,
    /** converts the current node again (constant folding hands some nodes back) */
    readonly dispatch: (c: Ctx, n: OnnxNode) => void,
  ) {}

  unique(base: string): string {
    let name = base.replace(/[^A-Za-z0-9_./-]/g, '_').replace(/^[^A-Za-z0-9.]/, 'n') || 'n';
    for (let k = 1; this.names.has(name); k++) name = `${base.replace(/[^A-Za-z0-9_./-]/g, '_')}_${k}`;
    this.names.add(name);
    return name;
  }

  emit(name: string, op: string, inputs: string[], attr: Record<string, unknown>): string {
    this.nodes.push({ name, op, ...(inputs.length ? { input: inputs } : {}), attr });
    return name;
  }

  /** A Const node for a trace value (float32 or int32). */
  constNode(t: tf.Tensor, hint: string): string {
    const name = this.unique(`${this.node?.name ?? 'const'}/${hint}`);
    const dt = t.dtype === 'int32' ? 'DT_INT32' : 'DT_FLOAT';
    const kept = t.dtype === 'int32' || t.dtype === 'float32' ? t : t.toFloat();
    this.consts.push({ name, t: tf.keep(kept.clone()) });
    return this.emit(name, 'Const', [], {
      dtype: { type: dt },
      value: { tensor: { dtype: dt, tensorShape: shapeAttr(t.shape) } },
    });
  }

  /** Emits a GraphDef node named after the ONNX node; its value is the given trace. */
  op(
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

  get(name: string): Val {
    const v = this.vals.get(name);
    if (!v) throw new OnnxError(`tensor "${name}" is used before it is produced`);
    return v;
  }

  in(i: number): Val | undefined {
    const name = this.node.inputs[i];
    return name ? this.get(name) : undefined;
  }

  constIn(i: number, what: string): tf.Tensor | undefined {
    const v = this.in(i);
    if (!v) return undefined;
    if (v.dyn)
      throw new OnnxError(
        `${this.node.opType} node "${this.node.name}": its ${what} must be constant for a fixed-shape graph`,
      );
    return v.t;
  }

  constInts(i: number, what: string): number[] | undefined {
    const t = this.constIn(i, what);
    return t ? Array.from(t.dataSync(), Number) : undefined;
  }

  set(v: Val, k = 0): undefined {
    this.vals.set(this.node.outputs[k], v);
  }

  attr<T extends AttrValue>(name: string, fallback: T): T {
    const v = this.node.attrs[name];
    return (v === undefined ? fallback : v) as T;
  }

  /** An optional attribute (undefined when absent). */
  attrOpt<T extends AttrValue>(name: string): T | undefined {
    return this.node.attrs[name] as T | undefined;
  }

  fail(message: string): never {
    throw new OnnxError(`${this.node.opType} node "${this.node.name}": ${message}`);
  }

  // ------------------------------------------------------------------ layout

  toNhwc(v: Val): Val {
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

  toPlain(v: Val): Val {
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
  refAs(v: Val, nhwc: boolean, rank: number): string {
    if (v.dyn) {
      const w = nhwc ? this.toNhwc(v) : this.toPlain(v);
      if (w.t.rank !== rank && nhwc)
        return this.reshapeDyn(this.toPlain(v), broadcastShape(v.t.shape, rank)).ref!;
      return w.ref!;
    }
    let t = v.nhwc ? tf.transpose(v.t, TO_NCHW) : v.t;
    if (nhwc && rank === 4) {
      // a broadcasting constant: right-align to 4-D (ONNX rule), then NHWC
      t = tf.transpose(t.reshape([...new Array(4 - t.rank).fill(1), ...t.shape]), TO_NHWC);
    }
    return this.constNode(t.dtype === 'float32' || t.dtype === 'int32' ? t : t.toFloat(), 'c');
  }

  reshapeDyn(v: Val, shape: number[]): Val {
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

  constAsDyn(v: Val): Val {
    const ref = this.constNode(v.t.toFloat(), 'value');
    return { t: v.t.toFloat(), dyn: true, nhwc: v.nhwc, ref };
  }

  /** Logical (ONNX-order) shape of a value. */
  shapeOf(v: Val): number[] {
    return v.nhwc ? TO_NCHW.map((p) => v.t.shape[p]) : v.t.shape;
  }

  axisOf(v: Val, axis: number): number {
    const a = axis < 0 ? axis + v.t.rank : axis;
    return v.nhwc ? nhwcAxis(a) : a;
  }

  /** ONNX pads [t, l, b, r] from attributes (explicit or auto_pad). */
  pads2d(inH: number, inW: number, k: number[], s: number[], d: number[]): number[] {
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

  /** Pads an NHWC value's H and W by ONNX pads [t, l, b, r]. */
  padNhwc(x: Val, p: number[], value = 0): Val {
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

  /** A Slice in the value's storage layout. */
  sliceStored(x: Val, begin: number[], size: number[]): Val {
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
}
