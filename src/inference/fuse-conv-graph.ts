// Fuses Conv2D → BiasAdd (→ Relu / Relu6 / Elu) chains of a TF.js graph into one `_FusedConv2D`
// node, as TensorFlow's own converter does (Grappler's remapper) and as our exporters and the
// ONNX import do not. Each backend runs the fused op as one kernel with the bias and activation
// in its epilogue (XNNPACK on wasm, one shader on WebGPU/WebGL), instead of two more passes over
// every activation (and two more dispatches per conv on the GPU backends).
//
// Usage: const { artifacts, fused } = fuseConvGraph(loaded, [card.output.name]);  // same weights, new topology
//
// Only chains whose intermediate outputs feed nothing else are fused, and the fused node takes
// the name of the chain's last node, so every consumer, the signature and the outputs by name
// stay as they were. Pure: the input artifacts are not changed.

import type * as tf from '@tensorflow/tfjs';
import { b64 } from './onnx/graphdef-attrs';

/** one node of a TF.js graph (model.json `modelTopology.node[]`) */
interface GraphNode {
  name: string;
  op: string;
  input?: string[];
  attr?: Record<string, unknown>;
  device?: string;
}

interface GraphDef {
  node?: GraphNode[];
  [key: string]: unknown;
}

export interface FusedGraph {
  artifacts: tf.io.ModelArtifacts;
  /** how many conv chains became one `_FusedConv2D` */
  fused: number;
}

/** activations the fused op takes, by their TF op names (also their names in `fused_ops`) */
const FUSABLE_ACTIVATIONS = new Set(['Relu', 'Relu6', 'Elu']);

/** the producing node of an input reference: `name`, `name:0` (a control input `^name` is not data) */
function producerOf(ref: string): { name: string; index: number; control: boolean } {
  if (ref.startsWith('^')) return { name: ref.slice(1), index: -1, control: true };
  const m = /^(.*):(\d+)$/.exec(ref);
  return m ? { name: m[1], index: Number(m[2]), control: false } : { name: ref, index: 0, control: false };
}

function stringAttr(node: GraphNode, key: string): string | undefined {
  const v = node.attr?.[key] as { s?: string } | undefined;
  return v?.s === undefined ? undefined : atob(v.s);
}

/** NHWC unless the node says otherwise (the fused op runs NHWC only in tfjs) */
function isNhwc(node: GraphNode): boolean {
  const format = stringAttr(node, 'data_format');
  return format === undefined || format === 'NHWC';
}

/** `keep`: node names read by name besides the signature's outputs (the card's output), never fused away */
export function fuseConvGraph(artifacts: tf.io.ModelArtifacts, keep: readonly string[] = []): FusedGraph {
  const graph = artifacts.modelTopology as GraphDef | undefined;
  const nodes = graph?.node;
  if (!graph || !Array.isArray(nodes)) return { artifacts, fused: 0 };

  const byName = new Map(nodes.map((n) => [n.name, n]));
  // data consumers per node, and names that must stay (read by a control edge or the signature)
  const consumers = new Map<string, GraphNode[]>();
  const pinned = new Set<string>();
  for (const n of nodes)
    for (const ref of n.input ?? []) {
      const p = producerOf(ref);
      if (p.control || p.index !== 0) pinned.add(p.name);
      else {
        const list = consumers.get(p.name);
        if (list) list.push(n);
        else consumers.set(p.name, [n]);
      }
    }
  const signature = (artifacts.signature ?? {}) as {
    outputs?: Record<string, { name?: string }>;
  };
  for (const out of Object.values(signature.outputs ?? {}))
    if (out.name) pinned.add(producerOf(out.name).name);
  for (const name of keep) pinned.add(producerOf(name).name);
  const soleConsumer = (name: string): GraphNode | null => {
    if (pinned.has(name)) return null;
    const c = consumers.get(name) ?? [];
    return c.length === 1 ? c[0] : null;
  };

  const removed = new Set<string>();
  const replaced = new Map<string, GraphNode>();
  let fused = 0;
  for (const conv of nodes) {
    if (conv.op !== 'Conv2D' || !isNhwc(conv) || (conv.input ?? []).length !== 2) continue;
    const bias = soleConsumer(conv.name);
    if (bias?.op !== 'BiasAdd' || !isNhwc(bias) || (bias.input ?? []).length !== 2) continue;
    if (producerOf(bias.input![0]).name !== conv.name) continue;
    const biasConst = byName.get(producerOf(bias.input![1]).name);
    if (biasConst?.op !== 'Const') continue;
    const next = soleConsumer(bias.name);
    const activation =
      next && next.input?.length === 1 && FUSABLE_ACTIVATIONS.has(next.op) ? next.op : undefined;
    const last = activation ? next! : bias;
    const fusedOps = activation ? ['BiasAdd', activation] : ['BiasAdd'];
    replaced.set(last.name, {
      name: last.name,
      op: '_FusedConv2D',
      input: [conv.input![0], conv.input![1], bias.input![1]],
      ...(conv.device ? { device: conv.device } : {}),
      attr: {
        ...conv.attr,
        num_args: { i: '1' },
        fused_ops: { list: { s: fusedOps.map(b64) } },
        epsilon: { f: 0 },
      },
    });
    removed.add(conv.name);
    if (last !== bias) removed.add(bias.name);
    fused++;
  }
  if (fused === 0) return { artifacts, fused };
  const node = nodes.filter((n) => !removed.has(n.name)).map((n) => replaced.get(n.name) ?? n);
  return { artifacts: { ...artifacts, modelTopology: { ...graph, node } }, fused };
}
