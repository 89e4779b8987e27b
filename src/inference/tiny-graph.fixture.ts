// Test support (not shipped): builds a real TF.js graph model (GraphDef JSON + weights) in memory,
// so engine tests run before, and independently of, the trained test models in models/.
// output 'probability' = [sigmoid](Σc w[c]·target[..c] + bias [+ mean(context)]), shape [B,64,64,1].

import type * as tf from '@tensorflow/tfjs';
import { createEngine, type Engine } from './engine';
import type { EngineModelSpec } from './model-spec';

export interface TinyGraphOptions {
  size?: number;
  channelWeights?: [number, number, number];
  bias?: number;
  withContext?: boolean;
  sigmoid?: boolean;
}

const b64 = (s: string) => Buffer.from(s).toString('base64');
const dims = (shape: number[]) => ({ dim: shape.map((size) => ({ size: String(size) })) });

export function tinyGraphArtifacts(options: TinyGraphOptions = {}): tf.io.ModelArtifacts {
  const size = options.size ?? 64;
  const w = options.channelWeights ?? [0.5, -0.25, 0.125];
  const nodes: Record<string, unknown>[] = [];
  const placeholder = (name: string) => ({
    name,
    op: 'Placeholder',
    attr: { dtype: { type: 'DT_FLOAT' }, shape: { shape: dims([-1, size, size, 3]) } },
  });
  const constNode = (name: string, dtype: 'DT_FLOAT' | 'DT_INT32', shape: number[]) => ({
    name,
    op: 'Const',
    attr: { dtype: { type: dtype }, value: { tensor: { dtype, tensorShape: dims(shape) } } },
  });
  nodes.push(
    placeholder('target'),
    constNode('w', 'DT_FLOAT', [1, 1, 3, 1]),
    constNode('b', 'DT_FLOAT', [1]),
  );
  nodes.push({
    name: 'conv',
    op: 'Conv2D',
    input: ['target', 'w'],
    attr: {
      T: { type: 'DT_FLOAT' },
      strides: { list: { i: ['1', '1', '1', '1'] } },
      padding: { s: b64('SAME') },
      data_format: { s: b64('NHWC') },
      dilations: { list: { i: ['1', '1', '1', '1'] } },
    },
  });
  nodes.push({ name: 'logit', op: 'BiasAdd', input: ['conv', 'b'], attr: { T: { type: 'DT_FLOAT' } } });
  let last = 'logit';
  const weights: tf.io.WeightsManifestEntry[] = [
    { name: 'w', shape: [1, 1, 3, 1], dtype: 'float32' },
    { name: 'b', shape: [1], dtype: 'float32' },
  ];
  const buffers: ArrayBuffer[] = [new Float32Array(w).buffer, new Float32Array([options.bias ?? 0]).buffer];
  if (options.withContext) {
    nodes.push(placeholder('context'), constNode('axes', 'DT_INT32', [3]));
    nodes.push({
      name: 'context_mean',
      op: 'Mean',
      input: ['context', 'axes'],
      attr: { keep_dims: { b: true }, T: { type: 'DT_FLOAT' }, Tidx: { type: 'DT_INT32' } },
    });
    nodes.push({
      name: 'mixed',
      op: 'AddV2',
      input: ['logit', 'context_mean'],
      attr: { T: { type: 'DT_FLOAT' } },
    });
    weights.push({ name: 'axes', shape: [3], dtype: 'int32' });
    buffers.push(new Int32Array([1, 2, 3]).buffer);
    last = 'mixed';
  }
  if (options.sigmoid ?? true) {
    nodes.push({ name: 'probability', op: 'Sigmoid', input: [last], attr: { T: { type: 'DT_FLOAT' } } });
  } else {
    nodes.push({ name: 'probability', op: 'Identity', input: [last], attr: { T: { type: 'DT_FLOAT' } } });
  }
  const total = buffers.reduce((n, b) => n + b.byteLength, 0);
  const weightData = new Uint8Array(total);
  let offset = 0;
  for (const b of buffers) {
    weightData.set(new Uint8Array(b), offset);
    offset += b.byteLength;
  }
  return {
    modelTopology: { node: nodes, versions: { producer: 1 } },
    format: 'graph-model',
    weightSpecs: weights,
    weightData: weightData.buffer,
  };
}

export function tinyGraphSpec(options: TinyGraphOptions = {}): EngineModelSpec {
  const size = options.size ?? 64;
  const inputs = [{ name: 'target', size, channels: 3, mpp: 1 }];
  if (options.withContext) inputs.push({ name: 'context', size, channels: 3, mpp: 4 });
  return {
    id: options.withContext ? 'tiny-mrn' : 'tiny-unet',
    inputs,
    output: { name: 'probability', size, channels: 1 },
  };
}

/** A CPU engine running the identity-like graph (output = red/255), for scheduler and cascade tests. */
export async function identityEngine(batchSize = 8): Promise<Engine> {
  const engine = createEngine({ backend: 'cpu', batchSize });
  await engine.load(
    tinyGraphArtifacts({ channelWeights: [1, 0, 0], bias: 0, sigmoid: false }),
    tinyGraphSpec(),
  );
  return engine;
}
