// BatchNormalization folded into the Conv / ConvTranspose before it, on the ONNX graph, before
// conversion: W' = W·γ/√(σ²+ε) per output channel, b' = (b − μ)·γ/√(σ²+ε) + β. The BN node
// disappears and the convolution writes its output. Folds only when the convolution's output feeds
// nothing but that BN and every weight and statistic is an initializer; any other BN stays and
// converts to a Mul and an Add (ops-conv.ts).
//
// Usage: const folded = foldBatchNorms(model); // a new OnnxModel; `model` is left as it was

import type { OnnxModel, OnnxNode, OnnxTensor } from './onnx-model';

export function foldBatchNorms(model: OnnxModel): { model: OnnxModel; folded: number } {
  const consumers = new Map<string, number>();
  for (const n of model.nodes) for (const i of n.inputs) if (i) consumers.set(i, (consumers.get(i) ?? 0) + 1);
  for (const o of model.outputs) consumers.set(o.name, (consumers.get(o.name) ?? 0) + 1);
  const producer = new Map<string, OnnxNode>();
  for (const n of model.nodes) for (const o of n.outputs) producer.set(o, n);
  const init = new Map(model.initializers);
  const replaced = new Map<OnnxNode, OnnxNode>();
  const dropped = new Set<OnnxNode>();
  const taken = new Set(init.keys());
  const fresh = (base: string) => {
    let name = `${base}/bn_folded`;
    for (let k = 1; taken.has(name); k++) name = `${base}/bn_folded_${k}`;
    taken.add(name);
    return name;
  };
  for (const bn of model.nodes) {
    if (bn.opType !== 'BatchNormalization' || (bn.domain && bn.domain !== 'ai.onnx')) continue;
    if (bn.outputs.filter(Boolean).length !== 1) continue; // training-mode outputs
    const conv = producer.get(bn.inputs[0]);
    if (!conv || (conv.opType !== 'Conv' && conv.opType !== 'ConvTranspose') || replaced.has(conv)) continue;
    if (consumers.get(bn.inputs[0]) !== 1) continue;
    const stats = bn.inputs.slice(1, 5).map((n) => init.get(n));
    const w = init.get(conv.inputs[1]);
    const b = conv.inputs[2] ? init.get(conv.inputs[2]) : undefined;
    if (w?.dtype !== 'float32' || stats.some((s) => s?.dtype !== 'float32')) continue;
    if (conv.inputs[2] && !b) continue;
    const [gamma, beta, mean, variance] = stats as OnnxTensor[];
    const eps = (bn.attrs.epsilon as number | undefined) ?? 1e-5;
    const group = (conv.attrs.group as number | undefined) ?? 1;
    // output channel o of weight element i: Conv [O, I/g, kh, kw]; ConvTranspose [I, O/g, kh, kw]
    const [d0, d1] = w.dims;
    const k = w.dims.slice(2).reduce((p, d) => p * d, 1);
    const outChannels = conv.opType === 'Conv' ? d0 : d1 * group;
    if (gamma.data.length !== outChannels) continue;
    const mul = new Float32Array(outChannels);
    for (let o = 0; o < outChannels; o++) mul[o] = gamma.data[o] / Math.sqrt(variance.data[o] + eps);
    const wData = new Float32Array(w.data.length);
    for (let i = 0; i < w.data.length; i++) {
      let o: number;
      if (conv.opType === 'Conv') o = Math.floor(i / (d1 * k));
      else {
        const inC = Math.floor(i / (d1 * k));
        o = Math.floor(inC / (d0 / group)) * d1 + (Math.floor(i / k) % d1);
      }
      wData[i] = w.data[i] * mul[o];
    }
    const bData = new Float32Array(outChannels);
    for (let o = 0; o < outChannels; o++)
      bData[o] = ((b ? b.data[o] : 0) - mean.data[o]) * mul[o] + beta.data[o];
    const wName = fresh(conv.inputs[1]);
    const bName = fresh(conv.inputs[2] || `${conv.name}/bias`);
    init.set(wName, { name: wName, dims: w.dims, data: wData, dtype: 'float32' });
    init.set(bName, { name: bName, dims: [outChannels], data: bData, dtype: 'float32' });
    replaced.set(conv, { ...conv, inputs: [conv.inputs[0], wName, bName], outputs: [bn.outputs[0]] });
    dropped.add(bn);
  }
  if (dropped.size === 0) return { model, folded: 0 };
  const nodes = model.nodes.filter((n) => !dropped.has(n)).map((n) => replaced.get(n) ?? n);
  // initialisers no node reads any more are dropped (the convolutions' unfolded weights)
  const used = new Set(nodes.flatMap((n) => n.inputs));
  const initializers = new Map([...init].filter(([name]) => used.has(name)));
  return { model: { ...model, nodes, initializers }, folded: dropped.size };
}
