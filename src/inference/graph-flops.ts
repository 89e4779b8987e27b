// Multiply-accumulates of a TF.js graph model (model.json), counted from the graph itself: shapes
// are propagated from the Placeholders through every node, and the MACs of convolutions
// (Conv2D, depthwise, transposed = Conv2DBackpropInput, their fused forms) and matrix products
// (MatMul, BatchMatMul) are summed. Elementwise ops, pooling and resizing count nothing, as in
// PyTorch's FlopCounterMode, whose figure (2 FLOPs per MAC) this matches for the shipped models.
//
// A graph has static shapes, so a tile size is a graph: count `model-256.json` for 256 px tiles.
// Shape constants (Slice begin/size, ResizeBilinear size, ConcatV2 axis, output_shape) live in the
// weight shards: pass their values (int32Consts reads them from the shard bytes).
//
//   const consts = int32Consts(model.weightsManifest, [shardBytes]);
//   const { flopsPerItem, batch, ops } = countGraphFlops(model, consts);

export interface GraphNode {
  name: string;
  op: string;
  input?: string[];
  // biome-ignore lint/suspicious/noExplicitAny: TF GraphDef attributes are a tagged union
  attr?: Record<string, any>;
}

export interface ManifestEntry {
  name: string;
  shape: number[];
  dtype: string;
  quantization?: { dtype: string };
}

export interface GraphModelJson {
  modelTopology: { node: GraphNode[] };
  weightsManifest?: { paths: string[]; weights: ManifestEntry[] }[];
}

export interface OpMacs {
  name: string;
  op: string;
  macs: number;
}

export interface GraphFlops {
  /** the Placeholders' leading dimension */
  batch: number;
  macs: number;
  /** 2 per MAC */
  flops: number;
  macsPerItem: number;
  flopsPerItem: number;
  /** every node that counted, in graph order */
  ops: OpMacs[];
}

type Shape = number[];

const BYTES: Record<string, number> = { float32: 4, int32: 4, uint8: 1, uint16: 2, float16: 2, bool: 1 };

/** Values of the int32 weights (shape constants), read from each manifest group's shard bytes. */
export function int32Consts(
  manifest: NonNullable<GraphModelJson['weightsManifest']>,
  groups: Uint8Array[],
): Record<string, number[]> {
  const out: Record<string, number[]> = {};
  manifest.forEach((group, g) => {
    const bytes = groups[g];
    if (!bytes) throw new Error(`no shard bytes for weight group ${g}`);
    const total = group.weights.reduce(
      (a, w) =>
        a + w.shape.reduce((x, y) => x * y, 1) * (BYTES[w.quantization?.dtype ?? w.dtype] ?? Number.NaN),
      0,
    );
    if (total !== bytes.byteLength)
      throw new Error(
        `weight group ${g}: the manifest describes ${total} bytes, the shards hold ${bytes.byteLength}`,
      );
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    let offset = 0;
    for (const w of group.weights) {
      const n = w.shape.reduce((a, b) => a * b, 1);
      const dtype = w.quantization?.dtype ?? w.dtype;
      const size = BYTES[dtype];
      if (size === undefined) throw new Error(`${w.name}: unknown dtype ${dtype}`);
      if (w.dtype === 'int32' && !w.quantization) {
        const values: number[] = [];
        for (let i = 0; i < n; i++) values.push(view.getInt32(offset + 4 * i, true));
        out[w.name] = values;
      }
      offset += n * size;
    }
  });
  return out;
}

const decode = (s: string | undefined) => (s === undefined ? undefined : atob(s));
const ints = (a: { list?: { i?: (string | number)[] } } | undefined) => (a?.list?.i ?? []).map(Number);

function dims(shape: { dim?: { size?: string | number }[]; unknownRank?: boolean } | undefined): Shape {
  if (!shape || shape.unknownRank) throw new Error('unknown rank');
  return (shape.dim ?? []).map((d) => Number(d.size ?? -1));
}

function windowed(size: number, k: number, stride: number, dilation: number, padding: string): number {
  const span = (k - 1) * dilation + 1;
  if (padding === 'SAME') return Math.ceil(size / stride);
  if (padding === 'VALID') return Math.ceil((size - span + 1) / stride);
  throw new Error(`padding ${padding} is not supported`);
}

function broadcast(a: Shape, b: Shape): Shape {
  const n = Math.max(a.length, b.length);
  const out: Shape = [];
  for (let i = 0; i < n; i++) {
    const x = a[a.length - n + i] ?? 1;
    const y = b[b.length - n + i] ?? 1;
    out.push(x === 1 ? y : x);
  }
  return out;
}

const ELEMENTWISE = new Set([
  'Identity',
  'Relu',
  'Relu6',
  'Elu',
  'Selu',
  'LeakyRelu',
  'Sigmoid',
  'Tanh',
  'Softmax',
  'BiasAdd',
  'FusedBatchNorm',
  'FusedBatchNormV3',
  'Cast',
  'Neg',
  'Exp',
  'Log',
  'Sqrt',
  'Rsqrt',
  'Square',
  'Abs',
  'StopGradient',
]);
const BINARY = new Set([
  'Add',
  'AddV2',
  'Sub',
  'Mul',
  'RealDiv',
  'Maximum',
  'Minimum',
  'SquaredDifference',
  'Pow',
]);

/** Counts the graph's MACs; `batch` replaces a Placeholder's unknown (-1) leading dimension. */
export function countGraphFlops(
  model: GraphModelJson,
  consts: Record<string, number[]> = {},
  options: { batch?: number } = {},
): GraphFlops {
  const nodes = new Map(model.modelTopology.node.map((n) => [n.name, n]));
  const shapes = new Map<string, Shape>();
  const macsOf = new Map<string, number>();
  const visiting = new Set<string>();
  let batch: number | null = null;

  const value = (name: string, what: string): number[] => {
    const v = consts[name.split(':')[0]];
    if (!v) throw new Error(`${what}: the value of constant ${name} is needed (pass int32Consts)`);
    return v;
  };

  const shapeOf = (ref: string): Shape => {
    const name = ref.replace(/^\^/, '').split(':')[0];
    const done = shapes.get(name);
    if (done) return done;
    const node = nodes.get(name);
    if (!node) throw new Error(`node ${name} is not in the graph`);
    if (visiting.has(name)) throw new Error(`cycle through ${name}`);
    visiting.add(name);
    const s = infer(node);
    visiting.delete(name);
    shapes.set(name, s);
    return s;
  };

  function infer(node: GraphNode): Shape {
    const inputs = (node.input ?? []).filter((i) => !i.startsWith('^'));
    const attr = node.attr ?? {};
    const inShape = (k: number) => shapeOf(inputs[k]);
    const where = `${node.op} ${node.name}`;
    const format = decode(attr.data_format?.s);
    if (format !== undefined && format !== 'NHWC') throw new Error(`${where}: only NHWC is supported`);
    switch (node.op) {
      case 'Placeholder': {
        const s = dims(attr.shape?.shape);
        if (s[0] === -1) s[0] = options.batch ?? 1;
        if (s.slice(1).some((d) => d < 0)) throw new Error(`${where}: unknown spatial size ${s}`);
        batch ??= s[0];
        return s;
      }
      case 'Const':
        return dims(attr.value?.tensor?.tensorShape ?? {});
      case 'Conv2D':
      case '_FusedConv2D':
      case 'DepthwiseConv2dNative':
      case 'FusedDepthwiseConv2dNative': {
        const [n, h, w, c] = inShape(0);
        const [kh, kw, cin, cout] = inShape(1);
        const depthwise = node.op.includes('Depthwise');
        if (!depthwise && cin !== c) throw new Error(`${where}: ${c} input channels, filter wants ${cin}`);
        const strides = ints(attr.strides);
        const dil = ints(attr.dilations);
        const pad = decode(attr.padding?.s) ?? 'VALID';
        const ho = windowed(h, kh, strides[1] ?? 1, dil[1] ?? 1, pad);
        const wo = windowed(w, kw, strides[2] ?? 1, dil[2] ?? 1, pad);
        const outC = depthwise ? c * cout : cout;
        macsOf.set(node.name, n * ho * wo * outC * kh * kw * (depthwise ? 1 : c));
        return [n, ho, wo, outC];
      }
      case 'Conv2DBackpropInput': {
        // inputs: output_shape, filter [kh, kw, out, in], the input
        const [n, h, w, c] = inShape(2);
        const [kh, kw, cout, cin] = inShape(1);
        if (cin !== c) throw new Error(`${where}: ${c} input channels, filter wants ${cin}`);
        const strides = ints(attr.strides);
        const given = consts[inputs[0].split(':')[0]];
        const pad = decode(attr.padding?.s) ?? 'VALID';
        const out = given
          ? [n, given[1], given[2], given[3]]
          : pad === 'SAME'
            ? [n, h * strides[1], w * strides[2], cout]
            : [n, (h - 1) * strides[1] + kh, (w - 1) * strides[2] + kw, cout];
        // every input pixel scatters the whole kernel (PyTorch counts the same)
        macsOf.set(node.name, n * h * w * c * kh * kw * cout);
        return out;
      }
      case 'MatMul':
      case '_FusedMatMul':
      case 'BatchMatMul':
      case 'BatchMatMulV2': {
        const a = inShape(0);
        const b = inShape(1);
        const ta = attr.transpose_a?.b === true || attr.adj_x?.b === true;
        const tb = attr.transpose_b?.b === true || attr.adj_y?.b === true;
        const [m, k] = ta ? [a.at(-1)!, a.at(-2)!] : [a.at(-2)!, a.at(-1)!];
        const [k2, nCols] = tb ? [b.at(-1)!, b.at(-2)!] : [b.at(-2)!, b.at(-1)!];
        if (k !== k2) throw new Error(`${where}: inner dimensions ${k} and ${k2} differ`);
        const lead = broadcast(a.slice(0, -2), b.slice(0, -2));
        macsOf.set(node.name, lead.reduce((x, y) => x * y, 1) * m * nCols * k);
        return [...lead, m, nCols];
      }
      case 'MaxPool':
      case 'AvgPool': {
        const [n, h, w, c] = inShape(0);
        const k = ints(attr.ksize);
        const s = ints(attr.strides);
        const pad = decode(attr.padding?.s) ?? 'VALID';
        return [n, windowed(h, k[1], s[1], 1, pad), windowed(w, k[2], s[2], 1, pad), c];
      }
      case 'ResizeBilinear':
      case 'ResizeNearestNeighbor': {
        const [n, , , c] = inShape(0);
        const [h, w] = value(inputs[1], where);
        return [n, h, w, c];
      }
      case 'Slice': {
        const s = inShape(0);
        const begin = value(inputs[1], where);
        const size = value(inputs[2], where);
        return s.map((d, i) => (size[i] === -1 ? d - begin[i] : size[i]));
      }
      case 'ConcatV2':
      case 'Concat': {
        const parts = node.op === 'ConcatV2' ? inputs.slice(0, -1) : inputs.slice(1);
        const axisRef = node.op === 'ConcatV2' ? inputs.at(-1)! : inputs[0];
        const shapesIn = parts.map((p) => shapeOf(p));
        const rank = shapesIn[0].length;
        const axis = (value(axisRef, where)[0] + rank) % rank;
        const out = [...shapesIn[0]];
        out[axis] = shapesIn.reduce((a, s) => a + s[axis], 0);
        return out;
      }
      case 'Reshape': {
        const total = inShape(0).reduce((a, b) => a * b, 1);
        const target = [...value(inputs[1], where)];
        const known = target.filter((d) => d !== -1).reduce((a, b) => a * b, 1);
        return target.map((d) => (d === -1 ? total / known : d));
      }
      case 'Squeeze': {
        const s = inShape(0);
        const axes = ints(attr.squeeze_dims).map((a) => (a + s.length) % s.length);
        return s.filter((d, i) => (axes.length ? !axes.includes(i) : d !== 1));
      }
      case 'Pad':
      case 'PadV2':
      case 'MirrorPad': {
        const p = value(inputs[1], where);
        return inShape(0).map((d, i) => d + p[2 * i] + p[2 * i + 1]);
      }
      case 'Transpose': {
        const s = inShape(0);
        return value(inputs[1], where).map((i) => s[i]);
      }
      default:
        if (ELEMENTWISE.has(node.op)) return [...inShape(0)];
        if (BINARY.has(node.op)) return broadcast(inShape(0), inShape(1));
        throw new Error(`${where}: op not supported by the FLOP counter`);
    }
  }

  for (const node of model.modelTopology.node) shapeOf(node.name);
  const ops: OpMacs[] = model.modelTopology.node
    .filter((n) => macsOf.has(n.name))
    .map((n) => ({ name: n.name, op: n.op, macs: macsOf.get(n.name)! }));
  const macs = ops.reduce((a, o) => a + o.macs, 0);
  const b = batch ?? 1;
  return { batch: b, macs, flops: 2 * macs, macsPerItem: macs / b, flopsPerItem: (2 * macs) / b, ops };
}
