// Model cards: the card.json beside each exported graph model (written by training/export_tfjs.py).
// The loader validates a card with this schema, then checks the loaded graph against it, so a
// mismatched or corrupt model fails with a clear message instead of a shape error deep in tfjs.

import { z } from 'zod';

/** A model id: kebab-case. Model folders are named by it (see inference/node/model-dirs.ts). */
export const MODEL_ID_PATTERN = /^[a-z0-9][a-z0-9-]*$/;

const rgbTriple = z.tuple([z.number(), z.number(), z.number()]);

export const normalizationSchema = z.object({
  /** multiplies the uint8 pixel first: x' = (x·scale − mean) / std */
  scale: z.number().positive(),
  mean: rgbTriple,
  std: rgbTriple.refine((s) => s.every((v) => v > 0), 'std must be positive'),
});

export const modelInputSchema = z.object({
  /** graph input (Placeholder / signature key) */
  name: z.string().min(1),
  role: z.enum(['target', 'context']),
  /** patch edge in pixels */
  size: z.number().int().positive(),
  /** µm per pixel of this input */
  mpp: z.number().positive(),
  channels: z.literal(3),
  normalization: normalizationSchema,
});

export const modelOutputSchema = z.object({
  name: z.string().min(1),
  size: z.number().int().positive(),
  mpp: z.number().positive(),
  channels: z.literal(1),
  /** 'sigmoid': the graph ends in a sigmoid; 'identity': the graph's raw output is already a probability */
  activation: z.enum(['sigmoid', 'identity']),
});

export const trainingInfoSchema = z.object({
  generator: z.string(),
  seeds: z.record(z.string(), z.number().int()),
  steps: z.number().int().nonnegative(),
  batch: z.number().int().positive(),
  patchesSeen: z.number().int().nonnegative(),
  seconds: z.number().nonnegative(),
  device: z.string(),
  shards: z.string(),
  trainPatches: z.number().int().nonnegative(),
  optimizer: z.string(),
  augmentation: z.array(z.string()),
});

export const metricsSchema = z.object({
  split: z.string(),
  patches: z.number().int().nonnegative(),
  threshold: z.number(),
  iou: z.number().min(0).max(1),
  dice: z.number().min(0).max(1),
});

export const modelCardSchema = z
  .object({
    schemaVersion: z.literal(1),
    id: z.string().regex(MODEL_ID_PATTERN, 'id must be kebab-case'),
    name: z.string().min(1),
    description: z.string(),
    /** test models (random weights, fixed patterns) must never be offered as real analyses */
    testModel: z.boolean(),
    /** 'pattern' is the known-pattern test model: a single target input, no learning */
    architecture: z.enum(['unet', 'mrn', 'pattern']),
    upsampling: z.enum(['transposed', 'bilinear', 'none']),
    config: z.record(z.string(), z.unknown()),
    params: z.number().int().nonnegative(),
    inputs: z.array(modelInputSchema).min(1).max(2),
    output: modelOutputSchema,
    /** fixed batch the graph was exported for; -1 means any batch size */
    batchSize: z
      .number()
      .int()
      .refine((b) => b === -1 || b > 0, 'batchSize must be positive or -1'),
    format: z.object({
      modelFile: z.string(),
      weightFiles: z.array(z.string()).min(1),
      layout: z.literal('NHWC'),
    }),
    quantization: z.enum(['none', 'float16']),
    training: trainingInfoSchema.nullable(),
    metrics: metricsSchema.nullable(),
    intendedUse: z.string().min(1),
    parity: z.object({ file: z.string(), float16RoundTripMaxAbsError: z.number().nonnegative() }),
    exportedAt: z.string(),
  })
  .superRefine((card, ctx) => {
    const names = card.inputs.map((i) => i.name);
    if (new Set(names).size !== names.length) {
      ctx.addIssue({
        code: 'custom',
        path: ['inputs'],
        message: `duplicate input names: ${names.join(', ')}`,
      });
    }
    const roles = card.inputs.map((i) => i.role);
    if (new Set(roles).size !== roles.length) {
      ctx.addIssue({
        code: 'custom',
        path: ['inputs'],
        message: `duplicate input roles: ${roles.join(', ')}`,
      });
    }
    if (card.architecture === 'mrn' && !(roles.includes('target') && roles.includes('context'))) {
      ctx.addIssue({
        code: 'custom',
        path: ['inputs'],
        message: 'an MRN needs a target and a context input',
      });
    }
  });

export type ModelCard = z.infer<typeof modelCardSchema>;
export type ModelInputSpec = z.infer<typeof modelInputSchema>;

export class ModelCardError extends Error {
  constructor(
    message: string,
    readonly problems: string[] = [message],
  ) {
    super(message);
    this.name = 'ModelCardError';
  }
}

/** Parses and validates card.json content (already JSON-parsed); throws ModelCardError listing every problem. */
export function parseModelCard(json: unknown, source = 'card.json'): ModelCard {
  const result = modelCardSchema.safeParse(json);
  if (result.success) return result.data;
  const problems = result.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`);
  throw new ModelCardError(`invalid model card ${source}: ${problems.join('; ')}`, problems);
}

/** Parses card.json text, with a clear error for malformed JSON. */
export function parseModelCardText(text: string, source = 'card.json'): ModelCard {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new ModelCardError(`${source} is not valid JSON: ${(e as Error).message}`);
  }
  return parseModelCard(json, source);
}

/** What validateModelAgainstCard reads from a loaded model (tf.GraphModel has these). */
export interface ModelSignatureLike {
  inputs: { name: string; shape?: number[]; dtype?: string }[];
  outputs: { name: string; shape?: number[]; dtype?: string }[];
}

/**
 * Checks a loaded graph model against its card: the same input names, NHWC shapes
 * [batch, size, size, channels], float32 inputs, and the output present. Throws a ModelCardError
 * listing every mismatch.
 */
export function validateModelAgainstCard(model: ModelSignatureLike, card: ModelCard): void {
  const problems: string[] = [];
  const graphInputs = new Map(model.inputs.map((i) => [i.name, i]));
  for (const spec of card.inputs) {
    const gi = graphInputs.get(spec.name);
    if (!gi) {
      problems.push(
        `card input "${spec.name}" (${spec.role}) is not a graph input; graph has ${[...graphInputs.keys()].join(', ') || 'none'}`,
      );
      continue;
    }
    if (gi.dtype !== undefined && gi.dtype !== 'float32') {
      problems.push(`input "${spec.name}" has dtype ${gi.dtype}, expected float32`);
    }
    const expected = [card.batchSize, spec.size, spec.size, spec.channels];
    if (gi.shape !== undefined && !sameShape(gi.shape, expected)) {
      problems.push(
        `input "${spec.name}" has shape [${gi.shape.join(', ')}], card says [${expected.join(', ')}]`,
      );
    }
  }
  for (const name of graphInputs.keys()) {
    if (!card.inputs.some((s) => s.name === name)) problems.push(`graph input "${name}" is not in the card`);
  }
  if (!model.outputs.some((o) => o.name === card.output.name)) {
    problems.push(
      `card output "${card.output.name}" is not a graph output; graph has ${model.outputs.map((o) => o.name).join(', ') || 'none'}`,
    );
  }
  if (problems.length > 0) {
    throw new ModelCardError(`model "${card.id}" does not match its card: ${problems.join('; ')}`, problems);
  }
}

/** Checks an output tensor's shape against the card: [batch, size, size, 1]. */
export function validateOutputShape(shape: readonly number[], card: ModelCard, batch: number): void {
  const expected = [batch, card.output.size, card.output.size, card.output.channels];
  if (!sameShape(shape, expected)) {
    throw new ModelCardError(
      `model "${card.id}" produced shape [${shape.join(', ')}], card says [${expected.join(', ')}]`,
    );
  }
}

function sameShape(actual: readonly number[], expected: readonly number[]): boolean {
  // -1 on either side is a free dimension (dynamic batch)
  return (
    actual.length === expected.length &&
    actual.every((d, i) => d === expected[i] || d === -1 || expected[i] === -1)
  );
}

/** Input spec for a role, or undefined when the model has no such input. */
export function inputForRole(card: ModelCard, role: ModelInputSpec['role']): ModelInputSpec | undefined {
  return card.inputs.find((i) => i.role === role);
}
