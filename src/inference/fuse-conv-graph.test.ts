// The conv-chain fusion on the shipped graphs (op counts, every reference still resolving, the same
// outputs as the graph as exported) and on hand-made graphs for the chains it must leave alone.
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { describe, expect, it } from 'vitest';
import { fuseConvGraph } from './fuse-conv-graph';
import { loadModelDir } from './node/load-model-dir';

interface Node {
  name: string;
  op: string;
  input?: string[];
  attr?: Record<string, unknown>;
}

const nodesOf = (a: tf.io.ModelArtifacts) => (a.modelTopology as { node: Node[] }).node;
const opCounts = (a: tf.io.ModelArtifacts) => {
  const c: Record<string, number> = {};
  for (const n of nodesOf(a)) c[n.op] = (c[n.op] ?? 0) + 1;
  return c;
};
const b64 = (s: string) => Buffer.from(s).toString('base64');
const fusedOpsOf = (n: Node | undefined) =>
  (n?.attr?.fused_ops as { list: { s: string[] } } | undefined)?.list.s;

/** every data input names a node of the graph */
function danglingInputs(a: tf.io.ModelArtifacts): string[] {
  const names = new Set(nodesOf(a).map((n) => n.name));
  return nodesOf(a)
    .flatMap((n) => n.input ?? [])
    .map((r) => r.replace(/^\^/, '').replace(/:\d+$/, ''))
    .filter((r) => !names.has(r));
}

async function run(
  a: tf.io.ModelArtifacts,
  feeds: Record<string, tf.Tensor>,
  output: string,
): Promise<Float32Array> {
  const m = await tf.loadGraphModel(tf.io.fromMemory(a));
  const y = m.execute(feeds, output) as tf.Tensor;
  const out = (await y.data()) as Float32Array;
  y.dispose();
  m.dispose();
  return out;
}

describe('fuseConvGraph', () => {
  it('fuses every Conv2D → BiasAdd → Relu of the shipped MRN-bilinear, with the same outputs', async () => {
    await tf.setBackend('wasm');
    const model = await loadModelDir('models/mrn-bilinear', { tileSize: 64 });
    const before = JSON.stringify(model.artifacts.modelTopology);
    const { artifacts, fused } = fuseConvGraph(model.artifacts);
    expect(JSON.stringify(model.artifacts.modelTopology)).toBe(before); // pure
    const was = opCounts(model.artifacts);
    const now = opCounts(artifacts);
    expect(was.Conv2D).toBe(30);
    expect(fused).toBe(30);
    expect(now._FusedConv2D).toBe(30);
    expect(now.Conv2D ?? 0).toBe(0);
    expect(now.BiasAdd ?? 0).toBe(0);
    expect(now.Relu ?? 0).toBe(0); // every Relu follows a conv's bias
    expect(now.ResizeBilinear).toBe(was.ResizeBilinear);
    expect(now.ConcatV2).toBe(was.ConcatV2);
    expect(danglingInputs(artifacts)).toEqual([]);
    // the head's chain ends in its BiasAdd (the Sigmoid is not fused): named as before
    const head = nodesOf(artifacts).find((n) => n.name === 'head/BiasAdd');
    expect(head?.op).toBe('_FusedConv2D');
    expect(fusedOpsOf(head)).toEqual([b64('BiasAdd')]);

    const feeds: Record<string, tf.Tensor> = {};
    const batch = model.spec.batchSize ?? 1; // the graph's fixed batch
    model.spec.inputs.forEach((input, k) => {
      feeds[input.name] = tf.tidy(() =>
        tf
          .sin(tf.range(0, batch * input.size * input.size * 3).mul(0.37 + k))
          .reshape([batch, input.size, input.size, 3]),
      );
    });
    // the logits (the head's fused BiasAdd, by its old name): probabilities of such inputs are all ~0
    const plain = await run(model.artifacts, feeds, 'head/BiasAdd');
    const fusedOut = await run(artifacts, feeds, 'head/BiasAdd');
    tf.dispose(Object.values(feeds));
    expect(fusedOut.length).toBe(plain.length);
    let maxDiff = 0;
    let spread = 0;
    for (let i = 0; i < plain.length; i++) {
      // relative: the logits reach the tens, float32 rounds in the 6th-7th digit
      maxDiff = Math.max(maxDiff, Math.abs(plain[i] - fusedOut[i]) / Math.max(1, Math.abs(plain[i])));
      spread = Math.max(spread, Math.abs(plain[i] - plain[0]));
    }
    expect(maxDiff).toBeLessThan(1e-5);
    expect(spread).toBeGreaterThan(1e-3); // the outputs are not constant: the comparison means something
  });

  it("leaves transposed convs alone and fuses the U-Net's convs", async () => {
    const model = await loadModelDir('models/unet', { tileSize: 64 });
    const { artifacts, fused } = fuseConvGraph(model.artifacts);
    const now = opCounts(artifacts);
    expect(fused).toBe(15);
    expect(now.Conv2DBackpropInput).toBe(3);
    expect(now.BiasAdd).toBe(3); // the transposed convs' biases
    expect(danglingInputs(artifacts)).toEqual([]);
  });

  /** target → conv (1×1) → BiasAdd → Relu → Identity 'out', plus `extra` nodes */
  function chain(extra: Node[] = [], outputs = ['out']): tf.io.ModelArtifacts {
    const nodes: Node[] = [
      { name: 'target', op: 'Placeholder', attr: { dtype: { type: 'DT_FLOAT' } } },
      { name: 'w', op: 'Const', attr: {} },
      { name: 'b', op: 'Const', attr: {} },
      {
        name: 'conv',
        op: 'Conv2D',
        input: ['target', 'w'],
        attr: { strides: { list: { i: ['1', '1', '1', '1'] } }, padding: { s: b64('SAME') } },
      },
      { name: 'bias', op: 'BiasAdd', input: ['conv', 'b'], attr: {} },
      { name: 'relu', op: 'Relu', input: ['bias'] },
      { name: 'out', op: 'Identity', input: ['relu'] },
      ...extra,
    ];
    return {
      modelTopology: { node: nodes },
      signature: { outputs: Object.fromEntries(outputs.map((o) => [o, { name: `${o}:0` }])) },
    };
  }

  it("takes the last node's name and the conv's attributes", () => {
    const { artifacts, fused } = fuseConvGraph(chain());
    expect(fused).toBe(1);
    const names = nodesOf(artifacts).map((n) => n.name);
    expect(names).toEqual(['target', 'w', 'b', 'relu', 'out']);
    const node = nodesOf(artifacts)[3];
    expect(node.op).toBe('_FusedConv2D');
    expect(node.input).toEqual(['target', 'w', 'b']);
    expect(node.attr?.padding).toEqual({ s: b64('SAME') });
    expect(node.attr?.num_args).toEqual({ i: '1' });
    expect(fusedOpsOf(node)).toEqual([b64('BiasAdd'), b64('Relu')]);
  });

  it('stops the chain where an intermediate output is read elsewhere or is a graph output', () => {
    // the BiasAdd also feeds another node: conv + bias only, the Relu stays
    const shared = fuseConvGraph(chain([{ name: 'tap', op: 'Identity', input: ['bias'] }], ['out', 'tap']));
    expect(shared.fused).toBe(1);
    expect(opCounts(shared.artifacts).Relu).toBe(1);
    expect(nodesOf(shared.artifacts).find((n) => n.name === 'bias')?.op).toBe('_FusedConv2D');
    // the conv's output is read elsewhere: nothing fused
    expect(fuseConvGraph(chain([{ name: 'tap', op: 'Identity', input: ['conv:0'] }])).fused).toBe(0);
    // a control edge on the conv, or the conv as a graph output: nothing fused
    expect(fuseConvGraph(chain([{ name: 'after', op: 'NoOp', input: ['^conv'] }])).fused).toBe(0);
    expect(fuseConvGraph(chain([], ['out', 'conv'])).fused).toBe(0);
    // a node read by name (the card's output) that is not in the signature: kept too
    expect(fuseConvGraph(chain(), ['bias:0']).fused).toBe(1);
    expect(opCounts(fuseConvGraph(chain(), ['bias']).artifacts).Relu).toBe(1);
    // an NCHW conv stays (tfjs fuses NHWC only)
    const nchw = chain();
    const conv = nodesOf(nchw).find((n) => n.name === 'conv')!;
    conv.attr = { ...conv.attr, data_format: { s: b64('NCHW') } };
    expect(fuseConvGraph(nchw).fused).toBe(0);
    // no topology: returned as given
    const empty: tf.io.ModelArtifacts = {};
    expect(fuseConvGraph(empty)).toEqual({ artifacts: empty, fused: 0 });
  });
});
