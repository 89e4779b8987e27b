// Model cards: the card.json beside each graph model. One zod schema, versioned:
//   - version 1: what training/export_tfjs.py wrote first (single `output`, `inputs[].normalization`
//     as scale/mean/std). Still accepted; parsed cards are upgraded to version 2.
//   - version 2: one or two inputs (target, optional context with the same centre), several named
//     output channels with the tumour one marked, sigmoid/softmax activation (in the graph or applied
//     by the viewer), normalisation as a range or mean/std, training data, intended use, an optional
//     tissue-detection rule, and where the graph came from (an ONNX file, PyTorch).
// The loader validates a card with this schema, then checks the loaded graph against it, so a
// mismatched or corrupt model fails with a clear message instead of a shape error deep in tfjs.
// The JSON Schema of version 2 is committed at docs/model-card.schema.json (`npm run card-schema`).
//
// Usage:
//   const card = parseModelCardText(text, 'models/x/card.json');  // v1 or v2 in, v2 out
//   normalizationAffine(card.inputs[0].normalization)             // {scale, mean, std}
//   tumourChannelIndex(card)                                       // index into the output channels

import { z } from 'zod';

const rgbTriple = z.tuple([z.number(), z.number(), z.number()]);
const positiveTriple = rgbTriple.refine((s) => s.every((v) => v > 0), 'std must be positive');
/** A model id: kebab-case. Model folders are named by it (see inference/node/model-dirs.ts). */
export const MODEL_ID_PATTERN = /^[a-z0-9][a-z0-9-]*$/;

const kebabId = z.string().regex(MODEL_ID_PATTERN, 'id must be kebab-case');
const batchSizeSchema = z
  .number()
  .int()
  .refine((b) => b === -1 || b > 0, 'batchSize must be positive or -1');
const formatSchema = z.object({
  modelFile: z.string().min(1),
  weightFiles: z.array(z.string().min(1)).min(1),
  layout: z.literal('NHWC'),
});
/**
 * One inference tile size of a fully convolutional model: the same weights exported as its own
 * graph (static shapes), e.g. `model-256.json` beside the trained `model.json`. `size` is the
 * target tile edge; the context tile grows by the same factor (patch-geometry's tileGeometry).
 * The card's `inputs`/`output`/`batchSize` keep describing the trained patch, whose keep margin
 * applies at every tile size.
 */
export const tileSchema = z.object({
  size: z.number().int().positive(),
  batchSize: batchSizeSchema,
  modelFile: z.string().min(1),
  weightFiles: z.array(z.string().min(1)).min(1),
  /** PyTorch's outputs on one tile of this size (training/export_tiles.py) */
  parityFile: z.string().optional(),
});
export type ModelTile = z.infer<typeof tileSchema>;
const tilesSchema = z
  .array(tileSchema)
  .min(1)
  .refine((t) => new Set(t.map((x) => x.size)).size === t.length, 'tile sizes must be distinct');

// ---------------------------------------------------------------- version 1 (kept as written)

const normalizationV1 = z.object({
  /** multiplies the uint8 pixel first: x' = (x·scale − mean) / std */
  scale: z.number().positive(),
  mean: rgbTriple,
  std: positiveTriple,
});

const inputV1 = z.object({
  name: z.string().min(1),
  role: z.enum(['target', 'context']),
  size: z.number().int().positive(),
  mpp: z.number().positive(),
  channels: z.literal(3),
  normalization: normalizationV1,
});

const trainingInfoV1 = z.object({
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

const metricsV1 = z.object({
  split: z.string(),
  patches: z.number().int().nonnegative(),
  threshold: z.number(),
  iou: z.number().min(0).max(1),
  dice: z.number().min(0).max(1),
});

export const modelCardV1Schema = z.object({
  schemaVersion: z.literal(1),
  id: kebabId,
  name: z.string().min(1),
  description: z.string(),
  testModel: z.boolean(),
  architecture: z.enum(['unet', 'mrn', 'pattern']),
  upsampling: z.enum(['transposed', 'bilinear', 'none']),
  config: z.record(z.string(), z.unknown()),
  params: z.number().int().nonnegative(),
  inputs: z.array(inputV1).min(1).max(2),
  output: z.object({
    name: z.string().min(1),
    size: z.number().int().positive(),
    mpp: z.number().positive(),
    channels: z.literal(1),
    /** 'sigmoid': the graph ends in a sigmoid; 'identity': the raw output is already a probability */
    activation: z.enum(['sigmoid', 'identity']),
  }),
  batchSize: batchSizeSchema,
  format: formatSchema,
  quantization: z.enum(['none', 'float16']),
  training: trainingInfoV1.nullable(),
  metrics: metricsV1.nullable(),
  intendedUse: z.string().min(1),
  parity: z.object({ file: z.string(), float16RoundTripMaxAbsError: z.number().nonnegative() }),
  exportedAt: z.string(),
  tiles: tilesSchema.optional(),
});

// ---------------------------------------------------------------- version 2

export const normalizationSchema = z
  .discriminatedUnion('kind', [
    z
      .object({
        /** the uint8 range 0..255 maps linearly onto [min, max]: x' = min + x·(max − min)/255 */
        kind: z.literal('range'),
        min: z.number(),
        max: z.number(),
      })
      .refine((r) => r.max > r.min, 'range max must exceed min'),
    z.object({
      /** x' = (x·scale − mean[c]) / std[c]; scale 1/255 gives ImageNet-style mean/std on 0..1 */
      kind: z.literal('meanStd'),
      scale: z
        .number()
        .positive()
        .default(1 / 255),
      mean: rgbTriple,
      std: positiveTriple,
    }),
  ])
  .describe('how RGB bytes become graph input values');

export const modelInputSchema = z.object({
  /** graph input (Placeholder / ONNX input name) */
  name: z.string().min(1),
  /** 'target': the patch the output covers; 'context': a wider patch around the same centre */
  role: z.enum(['target', 'context']),
  /** square patch edge in pixels */
  size: z.number().int().positive(),
  /** µm per pixel of this input */
  mpp: z.number().positive(),
  channels: z.literal(3),
  normalization: normalizationSchema,
});

export const outputChannelSchema = z.object({
  name: z.string().regex(/^[a-z0-9][a-z0-9-]*$/, 'channel names are kebab-case'),
  description: z.string().optional(),
});

export const modelOutputSchema = z.object({
  name: z.string().min(1),
  size: z.number().int().positive(),
  mpp: z.number().positive(),
  /** one entry per channel of the graph's output, in order */
  channels: z.array(outputChannelSchema).min(1).max(64),
  /** name of the channel that means tumour (shown as the heatmap by default) */
  tumourChannel: z.string().min(1),
  /** 'sigmoid': per channel; 'softmax': across channels; 'identity': values are probabilities */
  activation: z.enum(['sigmoid', 'softmax', 'identity']),
  /** true: the graph emits logits and the viewer applies `activation`; false: the graph already did */
  applyActivation: z.boolean(),
});

export const tissueDetectionSchema = z
  .union([
    z.literal('off'),
    z.object({
      /** HSV saturation above an Otsu threshold, clamped (src/tissue/tissue-detection.ts) */
      method: z.literal('saturation-otsu'),
      minThreshold: z.number().min(0).max(255).optional(),
      maxThreshold: z.number().min(0).max(255).optional(),
      maxBrightness: z.number().min(0).max(255).optional(),
      minBrightness: z.number().min(0).max(255).optional(),
      /** smallest tissue fraction of a patch that is analysed (default 0.05) */
      minFraction: z.number().min(0).max(1).optional(),
    }),
  ])
  .describe("'off': analyse every patch (images that are tissue edge to edge); or the rule to use");

export const trainingSchema = z
  .object({
    /** what the model was trained on, in words (data set, stain, scanner, magnification, terms) */
    data: z.string().min(1),
  })
  .catchall(z.unknown());

export const sourceSchema = z.object({
  format: z.enum(['onnx', 'pytorch', 'tfjs']),
  file: z.string().optional(),
  sha256: z.string().optional(),
  opset: z.number().int().optional(),
  producer: z.string().optional(),
  converter: z.string().optional(),
});

const cardV2Object = z.object({
  schemaVersion: z.literal(2),
  id: kebabId,
  name: z.string().min(1),
  description: z.string().default(''),
  /** test models (random weights, fixed patterns) are never offered as real analyses */
  testModel: z.boolean().default(false),
  /** 'unet', 'mrn', 'pattern' for the project's own; anything else for a user's network */
  architecture: z.string().min(1),
  upsampling: z.enum(['transposed', 'bilinear', 'none']).optional(),
  config: z.record(z.string(), z.unknown()).optional(),
  params: z.number().int().nonnegative().optional(),
  inputs: z.array(modelInputSchema).min(1).max(2),
  output: modelOutputSchema,
  /** fixed batch the graph was exported for; -1 means any batch size */
  batchSize: batchSizeSchema,
  format: formatSchema,
  quantization: z.enum(['none', 'float16']),
  training: trainingSchema.nullable(),
  metrics: z.record(z.string(), z.unknown()).nullable().default(null),
  intendedUse: z.string().min(1),
  tissueDetection: tissueDetectionSchema.optional(),
  parity: z.object({ file: z.string(), float16RoundTripMaxAbsError: z.number().nonnegative() }).optional(),
  exportedAt: z.string().optional(),
  source: sourceSchema.optional(),
  /** larger inference tiles with the same weights (absent: the trained patch size only) */
  tiles: tilesSchema.optional(),
  /**
   * test-time flip averaging the viewer runs by default (1, 2, 4 or 8 flipped copies of each
   * patch, probabilities averaged: src/inference/flip-average.ts); absent: 1, none
   */
  flips: z
    .union([z.literal(1), z.literal(2), z.literal(4), z.literal(8)])
    .optional()
    .describe('test-time flip averaging by default: 1 (none), 2, 4 or 8 flipped copies per patch'),
});

type CardV2Shape = z.infer<typeof cardV2Object>;

function checkCard(card: CardV2Shape, ctx: z.RefinementCtx): void {
  const issue = (path: (string | number)[], message: string) =>
    ctx.addIssue({ code: 'custom', path, message });
  const names = card.inputs.map((i) => i.name);
  if (new Set(names).size !== names.length) issue(['inputs'], `duplicate input names: ${names.join(', ')}`);
  const roles = card.inputs.map((i) => i.role);
  if (new Set(roles).size !== roles.length) issue(['inputs'], `duplicate input roles: ${roles.join(', ')}`);
  if (!roles.includes('target')) issue(['inputs'], 'a model needs a target input');
  if (card.architecture === 'mrn' && !(roles.includes('target') && roles.includes('context')))
    issue(['inputs'], 'an MRN needs a target and a context input');
  const target = card.inputs.find((i) => i.role === 'target');
  const context = card.inputs.find((i) => i.role === 'context');
  if (target && context && context.size * context.mpp < target.size * target.mpp - 1e-9)
    issue(['inputs'], 'the context input must cover at least the target field of view (same centre)');
  const channels = card.output.channels.map((c) => c.name);
  if (new Set(channels).size !== channels.length)
    issue(['output', 'channels'], `duplicate channel names: ${channels.join(', ')}`);
  if (!channels.includes(card.output.tumourChannel))
    issue(
      ['output', 'tumourChannel'],
      `tumour channel "${card.output.tumourChannel}" is not one of the output channels (${channels.join(', ')})`,
    );
  const trained = target?.size ?? 0;
  for (const [k, t] of (card.tiles ?? []).entries()) {
    if (t.size < trained || (context && !Number.isInteger((t.size * context.size) / trained)))
      issue(
        ['tiles', k, 'size'],
        `tile ${t.size} px must be ≥ the trained ${trained} px and scale the context to whole pixels`,
      );
    if (t.size === trained && t.modelFile !== card.format.modelFile)
      issue(
        ['tiles', k, 'modelFile'],
        `the ${trained} px tile is the trained graph ${card.format.modelFile}`,
      );
  }
  if (card.output.activation === 'softmax' && channels.length < 2)
    issue(['output', 'activation'], 'softmax needs at least two output channels');
}

/** Version 2, as published in docs/model-card.schema.json. */
export const modelCardV2Schema = cardV2Object.superRefine(checkCard);

function normalizationFromV1(n: z.infer<typeof normalizationV1>): ModelNormalization {
  return { kind: 'meanStd', scale: n.scale, mean: n.mean, std: n.std };
}

/** A version 1 card in version 2 terms (same graph, same meaning). */
export function upgradeV1(v1: z.infer<typeof modelCardV1Schema>): z.input<typeof cardV2Object> {
  return {
    schemaVersion: 2,
    id: v1.id,
    name: v1.name,
    description: v1.description,
    testModel: v1.testModel,
    architecture: v1.architecture,
    upsampling: v1.upsampling,
    config: v1.config,
    params: v1.params,
    inputs: v1.inputs.map((i) => ({ ...i, normalization: normalizationFromV1(i.normalization) })),
    output: {
      name: v1.output.name,
      size: v1.output.size,
      mpp: v1.output.mpp,
      channels: [{ name: 'tumour' }],
      tumourChannel: 'tumour',
      activation: v1.output.activation,
      applyActivation: false,
    },
    batchSize: v1.batchSize,
    format: v1.format,
    quantization: v1.quantization,
    training: v1.training
      ? { data: `synthetic slides (${v1.training.generator})`, ...v1.training }
      : { data: v1.testModel ? 'none (test model)' : 'synthetic slides' },
    metrics: v1.metrics,
    intendedUse: v1.intendedUse,
    parity: v1.parity,
    exportedAt: v1.exportedAt,
    ...(v1.tiles ? { tiles: v1.tiles } : {}),
  };
}

/** Any accepted version in, version 2 out. */
export const modelCardSchema = z
  .discriminatedUnion('schemaVersion', [modelCardV1Schema, cardV2Object])
  .transform((card) => (card.schemaVersion === 1 ? cardV2Object.parse(upgradeV1(card)) : card))
  .superRefine(checkCard);

export type ModelCard = z.infer<typeof modelCardV2Schema>;
/** A card as written (defaults not yet filled in). */
export type ModelCardInput = z.input<typeof modelCardV2Schema>;
export type ModelInputSpec = z.infer<typeof modelInputSchema>;
export type ModelNormalization = z.infer<typeof normalizationSchema>;

export class ModelCardError extends Error {
  constructor(
    message: string,
    readonly problems: string[] = [message],
  ) {
    super(message);
    this.name = 'ModelCardError';
  }
}

function problemsOf(error: z.ZodError): string[] {
  return error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`);
}

/** Parses and validates card.json content (already JSON-parsed); throws ModelCardError listing every problem. */
export function parseModelCard(json: unknown, source = 'card.json'): ModelCard {
  const version = (json as { schemaVersion?: unknown } | null)?.schemaVersion;
  if (json && typeof json === 'object' && version !== 1 && version !== 2) {
    throw new ModelCardError(
      `invalid model card ${source}: schemaVersion ${JSON.stringify(version)} is not supported (1 or 2)`,
    );
  }
  const result = modelCardSchema.safeParse(json);
  if (result.success) return result.data;
  const problems = problemsOf(result.error);
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

/** value = (byte · scale − mean[c]) / std[c], for either normalisation kind. */
export function normalizationAffine(n: ModelNormalization): {
  scale: number;
  mean: [number, number, number];
  std: [number, number, number];
} {
  if (n.kind === 'meanStd') return { scale: n.scale, mean: n.mean, std: n.std };
  // min + x·(max−min)/255 = (x·scale − mean)/std with std 1, mean −min
  return { scale: (n.max - n.min) / 255, mean: [-n.min, -n.min, -n.min], std: [1, 1, 1] };
}

/** Index of the tumour channel in the graph's output. */
export function tumourChannelIndex(card: ModelCard): number {
  return card.output.channels.findIndex((c) => c.name === card.output.tumourChannel);
}

/** What validateModelAgainstCard reads from a loaded model (tf.GraphModel has these). */
export interface ModelSignatureLike {
  inputs: { name: string; shape?: number[]; dtype?: string }[];
  outputs: { name: string; shape?: number[]; dtype?: string }[];
}

const baseName = (n: string) => n.replace(/:0$/, '');

/**
 * Checks a loaded graph model against its card: the same input names, NHWC shapes
 * [batch, size, size, channels], float32 inputs, the output present with the card's channel count.
 * Throws a ModelCardError listing every mismatch.
 */
export function validateModelAgainstCard(model: ModelSignatureLike, card: ModelCard): void {
  const problems: string[] = [];
  const graphInputs = new Map(model.inputs.map((i) => [baseName(i.name), i]));
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
  const out = model.outputs.find((o) => baseName(o.name) === card.output.name);
  if (!out) {
    problems.push(
      `card output "${card.output.name}" is not a graph output; graph has ${model.outputs.map((o) => baseName(o.name)).join(', ') || 'none'}`,
    );
  } else if (out.shape !== undefined) {
    const problem = outputChannelProblem(out.shape, card);
    if (problem) problems.push(problem);
  }
  if (problems.length > 0) {
    throw new ModelCardError(`model "${card.id}" does not match its card: ${problems.join('; ')}`, problems);
  }
}

/** A clear message when the graph's output channel count differs from the card's channel list. */
export function outputChannelProblem(shape: readonly number[], card: ModelCard): string | null {
  const declared = card.output.channels.map((c) => c.name);
  const c = shape[shape.length - 1];
  if (shape.length === 4 && (c === declared.length || c === -1)) return null;
  return `the card declares ${declared.length} output channel(s) (${declared.join(', ')}) but graph output "${card.output.name}" has shape [${shape.join(', ')}] (NHWC, ${shape.length === 4 ? `${c} channel(s)` : 'not 4-D'})`;
}

/** Checks an output tensor's shape against the card: [batch, size, size, channels]. */
export function validateOutputShape(shape: readonly number[], card: ModelCard, batch: number): void {
  const expected = [batch, card.output.size, card.output.size, card.output.channels.length];
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
