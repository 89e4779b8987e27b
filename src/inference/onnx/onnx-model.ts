// Reads an ONNX file (protobuf, parsed by protobufjs with the ONNX schema) into plain data:
// graph inputs/outputs with their shapes, initialisers as tf-ready typed arrays, nodes with
// decoded attributes. Same code in a browser worker and in Node.
//
// Usage: const model = parseOnnx(bytes, { maxBytes });  // throws OnnxError on a bad file

import protobuf from 'protobufjs';
import { formatBytes } from '../../util/format-bytes';
import { ONNX_SCHEMA } from './onnx-schema';

export class OnnxError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'OnnxError';
  }
}

export type AttrValue = number | string | number[] | string[] | OnnxTensor | undefined;

export interface OnnxTensor {
  name: string;
  dims: number[];
  /** float32 → Float32Array; integer/bool types → Int32Array (int64 narrowed; shapes and indices fit) */
  data: Float32Array | Int32Array;
  dtype: 'float32' | 'int32';
}

export interface OnnxNode {
  name: string;
  opType: string;
  domain: string;
  inputs: string[];
  outputs: string[];
  attrs: Record<string, AttrValue>;
}

export interface OnnxValueInfo {
  name: string;
  /** null: unknown rank; a dim is a number or its symbolic name */
  dims: (number | string)[] | null;
  elemType: number;
}

export interface OnnxModel {
  producer: string;
  opset: number;
  irVersion: number;
  inputs: OnnxValueInfo[];
  outputs: OnnxValueInfo[];
  initializers: Map<string, OnnxTensor>;
  nodes: OnnxNode[];
  weightBytes: number;
}

let modelType: protobuf.Type | null = null;
function onnxModelType(): protobuf.Type {
  modelType ??= protobuf.Root.fromJSON(ONNX_SCHEMA as unknown as protobuf.INamespace).lookupType(
    'onnx.ModelProto',
  );
  return modelType;
}

const num = (v: unknown): number => (typeof v === 'number' ? v : Number(v as bigint | string));

// TensorProto.DataType
const FLOAT = 1;
const INT_TYPES = new Set([2, 3, 4, 5, 6, 7, 9, 12, 13]); // uint8 int8 uint16 int16 int32 int64 bool uint32 uint64

interface RawTensor {
  name?: string;
  dims?: unknown[];
  data_type?: number;
  float_data?: number[];
  int32_data?: number[];
  int64_data?: unknown[];
  raw_data?: Uint8Array;
  data_location?: number;
  double_data?: number[];
}

function decodeTensor(t: RawTensor): OnnxTensor {
  const name = t.name ?? '';
  const dims = (t.dims ?? []).map(num);
  const count = dims.reduce((a, b) => a * b, 1);
  const type = t.data_type ?? 0;
  if (t.data_location === 1)
    throw new OnnxError(
      `tensor "${name}" uses external data, which is not supported: save the model with its weights inside`,
    );
  const raw = t.raw_data && t.raw_data.length > 0 ? t.raw_data : null;
  const view = raw ? new DataView(raw.buffer, raw.byteOffset, raw.byteLength) : null;
  const need = (bytes: number) => {
    if (view && view.byteLength < count * bytes)
      throw new OnnxError(`tensor "${name}" is truncated: ${view.byteLength} bytes for ${count} values`);
  };
  if (type === FLOAT || type === 11 || type === 10) {
    const out = new Float32Array(count);
    if (view && type === FLOAT) {
      need(4);
      for (let i = 0; i < count; i++) out[i] = view.getFloat32(i * 4, true);
    } else if (view && type === 11) {
      need(8);
      for (let i = 0; i < count; i++) out[i] = view.getFloat64(i * 8, true);
    } else if (view && type === 10) {
      need(2);
      for (let i = 0; i < count; i++) out[i] = halfToFloat(view.getUint16(i * 2, true));
    } else {
      const src =
        type === 11
          ? (t.double_data ?? [])
          : type === 10
            ? (t.int32_data ?? []).map(halfToFloat)
            : (t.float_data ?? []);
      if (src.length < count) throw new OnnxError(`tensor "${name}" holds ${src.length} of ${count} values`);
      out.set(src.slice(0, count));
    }
    return { name, dims, data: out, dtype: 'float32' };
  }
  if (INT_TYPES.has(type)) {
    const out = new Int32Array(count);
    const size = { 2: 1, 3: 1, 4: 2, 5: 2, 6: 4, 7: 8, 9: 1, 12: 4, 13: 8 }[type] ?? 4;
    if (view) {
      need(size);
      for (let i = 0; i < count; i++) {
        const o = i * size;
        out[i] =
          size === 8
            ? clampInt(Number(view.getBigInt64(o, true)))
            : size === 4
              ? view.getInt32(o, true)
              : size === 2
                ? type === 4
                  ? view.getUint16(o, true)
                  : view.getInt16(o, true)
                : type === 3
                  ? view.getInt8(o)
                  : view.getUint8(o);
      }
    } else {
      const src = (type === 7 || type === 13 ? (t.int64_data ?? []) : (t.int32_data ?? [])).map(num);
      if (src.length < count) throw new OnnxError(`tensor "${name}" holds ${src.length} of ${count} values`);
      for (let i = 0; i < count; i++) out[i] = clampInt(src[i]);
    }
    return { name, dims, data: out, dtype: 'int32' };
  }
  throw new OnnxError(
    `tensor "${name}" has data type ${type}, which is not supported (float and integer types only)`,
  );
}

/** int64 values beyond int32 are ±"infinity" sentinels in Slice ends: clamp them. */
function clampInt(v: number): number {
  return Math.max(-2147483648, Math.min(2147483647, v));
}

export function halfToFloat(h: number): number {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const f = h & 0x3ff;
  if (e === 0) return s * 2 ** -14 * (f / 1024);
  if (e === 31) return f ? Number.NaN : s * Number.POSITIVE_INFINITY;
  return s * 2 ** (e - 15) * (1 + f / 1024);
}

interface RawAttr {
  name?: string;
  type?: number;
  f?: number;
  i?: unknown;
  s?: Uint8Array;
  t?: RawTensor;
  floats?: number[];
  ints?: unknown[];
  strings?: Uint8Array[];
}

const text = new TextDecoder();

function decodeAttr(a: RawAttr): AttrValue {
  switch (a.type) {
    case 1:
      return a.f ?? 0;
    case 2:
      return num(a.i ?? 0);
    case 3:
      return text.decode(a.s ?? new Uint8Array());
    case 4:
      return a.t ? decodeTensor(a.t) : undefined;
    case 6:
      return a.floats ?? [];
    case 7:
      return (a.ints ?? []).map((v) => clampInt(num(v)));
    case 8:
      return (a.strings ?? []).map((s) => text.decode(s));
    default:
      return undefined; // graphs, sparse tensors: no op we convert uses them
  }
}

interface RawValueInfo {
  name?: string;
  type?: {
    tensor_type?: { elem_type?: number; shape?: { dim?: { dim_value?: unknown; dim_param?: string }[] } };
  };
}

function decodeValueInfo(v: RawValueInfo): OnnxValueInfo {
  const tt = v.type?.tensor_type;
  const dims = tt?.shape?.dim
    ? tt.shape.dim.map((d) =>
        d.dim_param
          ? d.dim_param
          : d.dim_value !== undefined && d.dim_value !== null
            ? num(d.dim_value)
            : '?',
      )
    : null;
  return { name: v.name ?? '', dims, elemType: tt?.elem_type ?? 0 };
}

export interface ParseOptions {
  /** refuse files over this size (default 512 MiB) */
  maxBytes?: number;
}

export function parseOnnx(bytes: Uint8Array, options: ParseOptions = {}): OnnxModel {
  const maxBytes = options.maxBytes ?? 512 * 1024 * 1024;
  if (bytes.byteLength > maxBytes)
    throw new OnnxError(
      `the ONNX file is ${formatBytes(bytes.byteLength)}, over the ${formatBytes(maxBytes)} cap`,
    );
  if (bytes.byteLength < 8) throw new OnnxError(`not an ONNX model: only ${bytes.byteLength} bytes`);
  // biome-ignore lint/suspicious/noExplicitAny: protobufjs decodes to a loose object
  let raw: any;
  try {
    raw = onnxModelType().toObject(onnxModelType().decode(bytes), {
      longs: Number,
      defaults: false,
      arrays: true,
    });
  } catch (e) {
    throw new OnnxError(`not an ONNX model (or a truncated one): ${(e as Error).message}`);
  }
  const graph = raw.graph;
  if (!graph || !Array.isArray(graph.node) || graph.node.length === 0 || !raw.ir_version)
    throw new OnnxError('not an ONNX model: no graph with nodes (is this an .onnx file?)');
  const opsetEntry = (raw.opset_import ?? []).find(
    (o: { domain?: string }) => !o.domain || o.domain === 'ai.onnx',
  );
  const initializers = new Map<string, OnnxTensor>();
  let weightBytes = 0;
  for (const t of graph.initializer ?? []) {
    const tensor = decodeTensor(t);
    weightBytes += tensor.data.byteLength;
    initializers.set(tensor.name, tensor);
  }
  const nodes: OnnxNode[] = graph.node.map((n: Record<string, unknown>, k: number) => ({
    name: (n.name as string) || `${n.op_type}_${k}`,
    opType: n.op_type as string,
    domain: (n.domain as string) ?? '',
    inputs: (n.input as string[]) ?? [],
    outputs: (n.output as string[]) ?? [],
    attrs: Object.fromEntries(((n.attribute as RawAttr[]) ?? []).map((a) => [a.name ?? '', decodeAttr(a)])),
  }));
  return {
    producer: `${raw.producer_name ?? ''} ${raw.producer_version ?? ''}`.trim(),
    opset: num(opsetEntry?.version ?? 0),
    irVersion: num(raw.ir_version),
    inputs: (graph.input ?? []).map(decodeValueInfo).filter((v: OnnxValueInfo) => !initializers.has(v.name)),
    outputs: (graph.output ?? []).map(decodeValueInfo),
    initializers,
    nodes,
    weightBytes,
  };
}
