// The card form's data: what the ONNX file tells (input names and NHWC shapes, output channel
// count, whether the graph already ends in a sigmoid/softmax) pre-filled, what it cannot tell
// (mpp, normalisation, channel meanings, the tumour channel) asked for. A card.json dropped beside
// the .onnx pre-fills the rest; what it says that contradicts the graph is kept, so that
// completeCard (src/inference/onnx/card-from-onnx.ts) refuses it naming the mismatch.
//
// Usage:
//   const draft = draftFromConverted(converted, givenCardJsonOrNull);
//   draftProblems(draft)               // [] when every question is answered
//   const card = cardFromDraft(draft, converted);   // a complete, validated ModelCard (or throws)

import { MODEL_ID_PATTERN, type ModelCard, ModelCardError, type ModelNormalization } from '../model-card';
import { completeCard } from '../onnx/card-from-onnx';
import type { ConvertedOnnx } from './convert-bytes';

export type DraftNormalization =
  | { kind: 'range'; min: number; max: number }
  | { kind: 'meanStd'; scale: number; mean: [number, number, number]; std: [number, number, number] };

export interface DraftInput {
  /** graph input name and NHWC shape, from the file (read-only in the form) */
  name: string;
  shape: number[];
  role: 'target' | 'context';
  /** µm per pixel; null until answered */
  mpp: number | null;
  normalization: DraftNormalization;
}

export type Activation = 'sigmoid' | 'softmax' | 'identity';

export interface CardDraft {
  id: string;
  name: string;
  inputs: DraftInput[];
  outputName: string;
  /** NHWC output shape from the file */
  outputShape: number[];
  /** channel names in output order */
  channels: string[];
  tumourChannel: string;
  activation: Activation;
  /** true when the graph emits logits and the viewer applies the activation */
  applyActivation: boolean;
  trainingData: string;
  intendedUse: string;
  /** patches per inference call (the graph's batch dimension); a change converts again */
  batch: number;
  /** float16 weight quantisation (half the weights; a change converts again) */
  float16: boolean;
  /** the card.json given beside the file, if any (its other fields are kept) */
  given: Record<string, unknown> | null;
}

type Json = Record<string, unknown>;

export const IMAGENET: DraftNormalization = {
  kind: 'meanStd',
  scale: 1 / 255,
  mean: [0.485, 0.456, 0.406],
  std: [0.229, 0.224, 0.225],
};

/** the largest batch the form offers (patches per inference call) */
export const MAX_BATCH = 64;

/** A kebab-case id from a file name: "My Net_v2.onnx" → "my-net-v2". */
export function idFromFileName(file: string): string {
  const stem = file.replace(/^.*[\\/]/, '').replace(/\.onnx$/i, '');
  const id = stem
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
  return id && MODEL_ID_PATTERN.test(id) ? id : `onnx-${id || 'model'}`.replace(/-+$/, '');
}

function defaultChannels(n: number): string[] {
  if (n === 1) return ['tumour'];
  if (n === 2) return ['background', 'tumour'];
  return Array.from({ length: n }, (_, k) => `class-${k}`);
}

function normalizationOf(n: unknown): DraftNormalization | null {
  if (!n || typeof n !== 'object') return null;
  const o = n as Json;
  if (o.kind === 'range' && typeof o.min === 'number' && typeof o.max === 'number')
    return { kind: 'range', min: o.min, max: o.max };
  if (Array.isArray(o.mean) && Array.isArray(o.std))
    return {
      kind: 'meanStd',
      scale: typeof o.scale === 'number' ? o.scale : 1 / 255,
      mean: o.mean as [number, number, number],
      std: o.std as [number, number, number],
    };
  return null;
}

export function draftFromConverted(
  c: Pick<ConvertedOnnx, 'inputs' | 'outputs' | 'outputOp' | 'sourceFile'> &
    Partial<Pick<ConvertedOnnx, 'batch' | 'float16'>>,
  given: Json | null = null,
): CardDraft {
  const givenInputs = (Array.isArray(given?.inputs) ? given.inputs : []) as Json[];
  const inputs = c.inputs.map((sig, k): DraftInput => {
    const g = givenInputs.find((x) => x.name === sig.name) ?? givenInputs[k];
    const role =
      g?.role === 'context' || g?.role === 'target'
        ? g.role
        : c.inputs.length > 1 && /context|wide|low/i.test(sig.name)
          ? 'context'
          : 'target';
    return {
      name: sig.name,
      shape: sig.shape,
      role,
      mpp: typeof g?.mpp === 'number' ? g.mpp : null,
      normalization: normalizationOf(g?.normalization) ?? IMAGENET,
    };
  });
  if (inputs.length > 1 && !inputs.some((i) => i.role === 'target')) inputs[0].role = 'target';
  if (inputs.length > 1 && inputs.every((i) => i.role === 'target')) inputs[1].role = 'context';
  const out = c.outputs[0];
  const oc = out.shape[out.shape.length - 1];
  const gOut = (given?.output ?? {}) as Json;
  const gChannels = Array.isArray(gOut.channels)
    ? (gOut.channels as Json[]).map((ch) => String(ch?.name ?? ''))
    : null;
  const channels = gChannels ?? defaultChannels(oc);
  const inGraph: Activation | null =
    c.outputOp === 'Sigmoid' ? 'sigmoid' : c.outputOp === 'Softmax' ? 'softmax' : null;
  const activation =
    gOut.activation === 'sigmoid' || gOut.activation === 'softmax' || gOut.activation === 'identity'
      ? gOut.activation
      : (inGraph ?? (oc === 1 ? 'sigmoid' : 'softmax'));
  return {
    id: typeof given?.id === 'string' ? given.id : idFromFileName(c.sourceFile),
    name: typeof given?.name === 'string' ? given.name : c.sourceFile.replace(/\.onnx$/i, ''),
    inputs,
    outputName: out.name,
    outputShape: out.shape,
    channels,
    tumourChannel:
      typeof gOut.tumourChannel === 'string'
        ? gOut.tumourChannel
        : channels.includes('tumour')
          ? 'tumour'
          : channels[channels.length - 1],
    activation,
    applyActivation: typeof gOut.applyActivation === 'boolean' ? gOut.applyActivation : inGraph === null,
    trainingData:
      typeof (given?.training as Json | undefined)?.data === 'string'
        ? String((given!.training as Json).data)
        : '',
    intendedUse:
      typeof given?.intendedUse === 'string' ? given.intendedUse : 'Research only; not for diagnosis.',
    batch:
      typeof given?.batchSize === 'number' && given.batchSize > 0
        ? given.batchSize
        : (c.batch ?? c.inputs[0]?.shape[0] ?? 1),
    float16:
      given?.quantization === 'float16' || given?.quantization === 'none'
        ? given.quantization === 'float16'
        : (c.float16 ?? false),
    given,
  };
}

/** What the form still has to ask (empty when the draft can be submitted). */
export function draftProblems(d: CardDraft): string[] {
  const p: string[] = [];
  if (!MODEL_ID_PATTERN.test(d.id)) p.push('the id must be kebab-case (a-z, 0-9, -)');
  if (!d.name.trim()) p.push('give the model a name');
  for (const i of d.inputs)
    if (!(i.mpp !== null && i.mpp > 0)) p.push(`give the µm per pixel of input "${i.name}"`);
  if (d.channels.some((c) => !/^[a-z0-9][a-z0-9-]*$/.test(c)))
    p.push('channel names are kebab-case (a-z, 0-9, -)');
  if (!d.channels.includes(d.tumourChannel)) p.push('pick the tumour channel');
  if (!d.trainingData.trim()) p.push('say what the model was trained on');
  if (!d.intendedUse.trim()) p.push('say what the model is for');
  if (!(Number.isInteger(d.batch) && d.batch >= 1 && d.batch <= MAX_BATCH))
    p.push(`the batch size is a whole number from 1 to ${MAX_BATCH}`);
  return p;
}

function normalizationJson(n: DraftNormalization): ModelNormalization {
  return n.kind === 'range'
    ? { kind: 'range', min: n.min, max: n.max }
    : { kind: 'meanStd', scale: n.scale, mean: n.mean, std: n.std };
}

/** The card as a JSON object (the given card's other fields kept), before the graph fills it in. */
export function cardJsonFromDraft(d: CardDraft): Json {
  const g = d.given ?? {};
  const givenInputs = (Array.isArray(g.inputs) ? g.inputs : []) as Json[];
  const gOut = (g.output ?? {}) as Json;
  return {
    schemaVersion: 2,
    architecture: 'custom',
    ...g,
    id: d.id,
    name: d.name.trim(),
    inputs: d.inputs.map((i, k) => ({
      ...(givenInputs.find((x) => x.name === i.name) ?? givenInputs[k] ?? {}),
      role: i.role,
      mpp: i.mpp,
      normalization: normalizationJson(i.normalization),
    })),
    output: {
      ...gOut,
      channels: d.channels.map((name) => ({ name })),
      tumourChannel: d.tumourChannel,
      activation: d.activation,
      applyActivation: d.activation === 'identity' ? false : d.applyActivation,
    },
    training: { ...((g.training as Json | undefined) ?? {}), data: d.trainingData.trim() },
    intendedUse: d.intendedUse.trim(),
    batchSize: d.batch,
    quantization: d.float16 ? 'float16' : 'none',
  };
}

/**
 * The complete card of a converted model from a card JSON object (the form's, or one given to
 * addModel): filled in from the graph and validated. Throws ModelCardError naming each problem.
 */
export function completeConvertedCard(given: Json, c: ConvertedOnnx, convertedAt: string): ModelCard {
  if (!given || typeof given !== 'object') throw new ModelCardError('the card is not a JSON object');
  return completeCard({ ...given, exportedAt: convertedAt }, c, {
    sourceFile: c.sourceFile,
    opset: c.opset,
    producer: c.producer,
    float16: c.float16,
  });
}

/** The card from a submitted form. */
export function cardFromDraft(d: CardDraft, c: ConvertedOnnx, convertedAt: string): ModelCard {
  const problems = draftProblems(d);
  if (problems.length) throw new ModelCardError(`the card is not finished: ${problems.join('; ')}`, problems);
  return completeConvertedCard(cardJsonFromDraft(d), c, convertedAt);
}
