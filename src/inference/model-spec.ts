// What the engine needs to know about a model: input/output names and fixed patch shapes.
// The model card (model-card.ts, zod-validated) is mapped to this by `specFromCard` in
// model-loader.ts, so the engine does not depend on every card field.
//
// Usage:
//   const problems = checkModelSignature(graphModel, spec); // [] when the model matches its card

import type * as tf from '@tensorflow/tfjs';

/** value = (byte · scale − mean[c]) / std[c] */
export interface InputNormalization {
  scale: number;
  mean: [number, number, number];
  std: [number, number, number];
}

export interface ModelInputSpec {
  /** graph input name, e.g. 'target' or 'context' */
  name: string;
  role?: 'target' | 'context';
  normalization?: InputNormalization;
  /** square patch edge in pixels */
  size: number;
  channels: number;
  /** µm per pixel of this input */
  mpp: number;
}

export interface EngineModelSpec {
  id: string;
  /** the target input first, then the context input for MRN */
  inputs: ModelInputSpec[];
  output: {
    name: string;
    size: number;
    /** channels of the graph's output */
    channels: number;
    /** channel the engine returns (default 0) */
    select?: number;
    /** applied by the engine to the graph's output before selecting (a graph emitting logits) */
    activation?: 'sigmoid' | 'softmax';
  };
  /** fixed batch the graph was exported for; -1 or absent: any */
  batchSize?: number;
}

/** Elements per patch for an input or output. */
export function patchLength(s: { size: number; channels: number }): number {
  return s.size * s.size * s.channels;
}

const baseName = (n: string) => n.replace(/:0$/, '');

/** Lists every mismatch between a loaded model's signature and its spec. */
export function checkModelSignature(model: tf.InferenceModel, spec: EngineModelSpec): string[] {
  const problems: string[] = [];
  for (const want of spec.inputs) {
    const got = model.inputs.find((t) => baseName(t.name) === want.name);
    if (!got) {
      problems.push(`model has no input '${want.name}' (has ${model.inputs.map((t) => t.name).join(', ')})`);
      continue;
    }
    const [b, h, w, c] = got.shape ?? [];
    if (got.shape && spec.batchSize && spec.batchSize > 0 && b !== -1 && b !== spec.batchSize) {
      problems.push(`input '${want.name}' has batch ${b}, card says ${spec.batchSize}`);
    }
    if (got.shape && (got.shape.length !== 4 || h !== want.size || w !== want.size || c !== want.channels)) {
      problems.push(
        `input '${want.name}' has shape [${got.shape.join(',')}], card says [B,${want.size},${want.size},${want.channels}] (NHWC)`,
      );
    }
    if (got.dtype && got.dtype !== 'float32')
      problems.push(`input '${want.name}' is ${got.dtype}, expected float32`);
  }
  const extra = model.inputs.filter((t) => !spec.inputs.some((i) => i.name === baseName(t.name)));
  if (extra.length > 0)
    problems.push(`model has inputs the card does not list: ${extra.map((t) => t.name).join(', ')}`);
  const out = model.outputs.find((t) => baseName(t.name) === spec.output.name);
  if (!out) {
    problems.push(
      `model has no output '${spec.output.name}' (has ${model.outputs.map((t) => t.name).join(', ')})`,
    );
  } else if (out.shape) {
    const [, h, w, c] = out.shape;
    if (
      out.shape.length !== 4 ||
      h !== spec.output.size ||
      w !== spec.output.size ||
      c !== spec.output.channels
    ) {
      problems.push(
        `output '${spec.output.name}' has shape [${out.shape.join(',')}], card says [B,${spec.output.size},${spec.output.size},${spec.output.channels}]${c !== spec.output.channels ? ` (the card declares ${spec.output.channels} output channel(s), the graph has ${c})` : ''}`,
      );
    }
  }
  return problems;
}
