// What the GlaS evaluation needs from a model card, read through the app's own card parser
// (src/inference/model-card.ts, schema 2): geometry, input/output names, the tumour channel and
// the "gland" channel a GlaS model must also have. The graph is checked against the card at load.

import { type PatchGeometry, tileGeometry } from '../../src/geometry/patch-geometry';
import {
  inputForRole,
  type ModelCard,
  normalizationAffine,
  parseModelCardText,
  tumourChannelIndex,
  validateModelAgainstCard,
  validateOutputShape,
} from '../../src/inference/model-card';
import { tileOf, trainedTileSize } from '../../src/inference/model-tiles';

export function readGlasCard(text: string, where: string): ModelCard {
  return parseModelCardText(text, where);
}

export function isGlasCard(card: ModelCard): boolean {
  const t = card.training as { dataset?: unknown } | null;
  return t?.dataset === 'glas';
}

export function glasCardSummary(card: ModelCard, where: string) {
  const names = card.output.channels.map((c) => c.name);
  const glandIndex = names.indexOf('gland');
  if (glandIndex < 0) {
    throw new Error(
      `${where}: a GlaS model needs a "gland" output channel beside the tumour one (has ${names.join(', ')})`,
    );
  }
  const target = inputForRole(card, 'target');
  const context = inputForRole(card, 'context');
  if (!target) throw new Error(`${where}: no target input`);
  if (card.batchSize < 1) throw new Error(`${where}: the evaluation needs a fixed batch size`);
  const geometry: PatchGeometry = {
    targetSize: target.size,
    targetMpp: target.mpp,
    ...(context ? { contextSize: context.size, contextMpp: context.mpp } : {}),
  };
  return {
    geometry,
    batchSize: card.batchSize,
    channels: names,
    tumourIndex: tumourChannelIndex(card),
    glandIndex,
    /** the "border" channel (gland outlines) of a model trained with border labels; -1: none */
    borderIndex: names.indexOf('border'),
    outputName: card.output.name,
    inputNames: { target: target.name, context: context?.name },
    normalization: {
      target: normalizationAffine(target.normalization),
      context: context ? normalizationAffine(context.normalization) : undefined,
    },
  };
}

/**
 * The card as its `size` px tile graph is (training/export_tiles.py): that graph's batch, inputs
 * scaled with the target, output `size` px; `size` must be a tile the card lists (or the trained
 * patch). With it, the tile's geometry (tileGeometry: context scaled alike, the trained margin kept).
 */
export function glasCardAtTile(card: ModelCard, size: number) {
  const tile = tileOf(card, size);
  const trained = trainedTileSize(card);
  const scale = size / trained;
  const summary = glasCardSummary(card, card.id);
  const atTile: ModelCard = {
    ...card,
    batchSize: tile.batchSize,
    inputs: card.inputs.map((i) => ({ ...i, size: i.size * scale })),
    output: { ...card.output, size: card.output.size * scale },
  };
  return { card: atTile, tile, geometry: tileGeometry(summary.geometry, size) };
}

export { validateModelAgainstCard, validateOutputShape };
