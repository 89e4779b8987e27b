// Tiny ONNX files written here with protobufjs and the ONNX schema (no PyTorch needed), for the
// import's unit and e2e tests: a 1×1 Conv segmentation head, optionally with an op the converter
// does not support, with padded weights (the size cap) or with a long Relu chain (slow to convert).
//
// Usage: const bytes = tinyOnnx({ size: 16, channels: 2, unsupported: 'Einsum' });

import protobuf from 'protobufjs';
import { ONNX_SCHEMA } from '../onnx/onnx-schema';

export interface TinyOnnxOptions {
  /** input edge in px (input [batch, 3, size, size]) */
  size?: number;
  /** output channels */
  channels?: number;
  batch?: number | 'dynamic';
  /** end in a Sigmoid (true) or emit logits */
  sigmoid?: boolean;
  /** insert a node of this (unsupported) op type, named "weird_node" */
  unsupported?: string;
  /** an extra unused initialiser of this many float32s (to cross a weight cap) */
  padFloats?: number;
  inputName?: string;
  /** this many Relu nodes after the Conv (a conversion that takes a while: the cancel tests) */
  reluChain?: number;
}

const FLOAT = 1;

function floats(values: Float32Array): Uint8Array {
  return new Uint8Array(values.buffer.slice(0));
}

/** Conv weights: output channel o takes 0.01·(o+1)·(r − b) + 0.02·g, bias 0.1·o − 0.05 */
export function tinyWeights(channels: number): { w: Float32Array; b: Float32Array } {
  const w = new Float32Array(channels * 3);
  for (let o = 0; o < channels; o++) {
    w[o * 3] = 0.01 * (o + 1);
    w[o * 3 + 1] = 0.02;
    w[o * 3 + 2] = -0.01 * (o + 1);
  }
  const b = Float32Array.from({ length: channels }, (_, o) => 0.1 * o - 0.05);
  return { w, b };
}

export function tinyOnnx(o: TinyOnnxOptions = {}): Uint8Array<ArrayBuffer> {
  const size = o.size ?? 16;
  const ch = o.channels ?? 1;
  const inputName = o.inputName ?? 'target';
  const { w, b } = tinyWeights(ch);
  const batchDim = o.batch === 'dynamic' ? { dim_param: 'N' } : { dim_value: o.batch ?? 2 };
  const nodes: Record<string, unknown>[] = [
    { name: 'conv', op_type: 'Conv', input: [inputName, 'w', 'b'], output: ['logits0'], attribute: [] },
  ];
  let last = 'logits0';
  for (let k = 0; k < (o.reluChain ?? 0); k++) {
    nodes.push({ name: `relu${k}`, op_type: 'Relu', input: [last], output: [`relu${k}`] });
    last = `relu${k}`;
  }
  if (o.unsupported) {
    nodes.push({ name: 'weird_node', op_type: o.unsupported, input: [last], output: ['weird'] });
    last = 'weird';
  }
  if (o.sigmoid ?? true) {
    nodes.push({ name: 'act', op_type: 'Sigmoid', input: [last], output: ['output'] });
  } else {
    nodes.push({ name: 'id', op_type: 'Identity', input: [last], output: ['output'] });
  }
  const initializer: Record<string, unknown>[] = [
    { name: 'w', dims: [ch, 3, 1, 1], data_type: FLOAT, raw_data: floats(w) },
    { name: 'b', dims: [ch], data_type: FLOAT, raw_data: floats(b) },
  ];
  if (o.padFloats)
    initializer.push({
      name: 'unused_pad',
      dims: [o.padFloats],
      data_type: FLOAT,
      raw_data: new Uint8Array(o.padFloats * 4),
    });
  const tensorType = (dims: Record<string, unknown>[]) => ({
    tensor_type: { elem_type: FLOAT, shape: { dim: dims } },
  });
  const model = {
    ir_version: 8,
    producer_name: 'mrn-viewer tiny-onnx fixture',
    opset_import: [{ domain: '', version: 17 }],
    graph: {
      name: 'tiny',
      node: nodes,
      initializer,
      input: [
        {
          name: inputName,
          type: tensorType([batchDim, { dim_value: 3 }, { dim_value: size }, { dim_value: size }]),
        },
      ],
      output: [
        {
          name: 'output',
          type: tensorType([batchDim, { dim_value: ch }, { dim_value: size }, { dim_value: size }]),
        },
      ],
    },
  };
  const type = protobuf.Root.fromJSON(ONNX_SCHEMA as unknown as protobuf.INamespace).lookupType(
    'onnx.ModelProto',
  );
  return new Uint8Array(type.encode(type.fromObject(model)).finish());
}

/** The tiny model's output for one RGB pixel (bytes 0..255 under `normalize`), channel c. */
export function tinyExpected(
  rgb: [number, number, number],
  c: number,
  channels: number,
  sigmoid = true,
): number {
  const { w, b } = tinyWeights(channels);
  const z = w[c * 3] * rgb[0] + w[c * 3 + 1] * rgb[1] + w[c * 3 + 2] * rgb[2] + b[c];
  return sigmoid ? 1 / (1 + Math.exp(-z)) : z;
}
