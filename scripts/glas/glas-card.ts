// What the GlaS evaluation needs from a model card: geometry, input/output names, the tumour and
// gland channels. Reads schema-2 cards (named output channels) and fails clearly otherwise.

import type { InputNormalization } from '../../src/analysis/patch-input';
import type { PatchGeometry } from '../../src/geometry/patch-geometry';

interface CardInput {
  name: string;
  role: 'target' | 'context';
  size: number;
  mpp: number;
  normalization: InputNormalization;
}

export interface GlasCard {
  schemaVersion: number;
  id: string;
  testModel?: boolean;
  inputs: CardInput[];
  output: { name: string; size: number; mpp: number; channels: { name: string }[]; tumourChannel: string };
  batchSize: number;
  format: { modelFile: string };
  training?: { dataset?: string } | null;
}

export function glasCardSummary(card: GlasCard, where: string) {
  if (card.schemaVersion !== 2 || !Array.isArray(card.output?.channels)) {
    throw new Error(`${where}: card.json is not a schema-2 card with named output channels`);
  }
  const names = card.output.channels.map((c) => c.name);
  const tumourIndex = names.indexOf(card.output.tumourChannel);
  const glandIndex = names.indexOf('gland');
  if (tumourIndex < 0 || glandIndex < 0) {
    throw new Error(
      `${where}: a GlaS model needs a tumour and a "gland" output channel (has ${names.join(', ')})`,
    );
  }
  const target = card.inputs.find((i) => i.role === 'target');
  const context = card.inputs.find((i) => i.role === 'context');
  if (!target) throw new Error(`${where}: no target input`);
  if (card.batchSize < 1) throw new Error(`${where}: a fixed batch size is expected`);
  const geometry: PatchGeometry = {
    targetSize: target.size,
    targetMpp: target.mpp,
    ...(context ? { contextSize: context.size, contextMpp: context.mpp } : {}),
  };
  return {
    geometry,
    batchSize: card.batchSize,
    channels: names,
    tumourIndex,
    glandIndex,
    outputName: card.output.name,
    inputNames: { target: target.name, context: context?.name },
    normalization: { target: target.normalization, context: context?.normalization },
  };
}
