// Inference tile sizes of a model: the trained patch (the card's own graph) plus the larger tiles
// its card lists (the same weights exported at other static shapes, training/export_tiles.py).
//
// Usage:
//   tileSizesOf(card)              // [64, 128, 256]
//   chooseTileSize(card)           // DEFAULT_TILE_SIZE when the card has it, else the largest below
//   chooseTileSize(card, 64)       // exactly 64 (today's behaviour); throws for a size not offered
//   tileOf(card, 256)              // {size, batchSize, modelFile, weightFiles, parityFile?}

import { inputForRole, type ModelCard, ModelCardError, type ModelTile } from './model-card';

/**
 * The tile edge (target px) the app uses when none is asked for: measured as the one that serves
 * best (bench/tile-sizes.ts, README "Inference tiles"): 256 px tiles keep 94 % of their
 * output instead of 56 % at 64 px.
 */
export const DEFAULT_TILE_SIZE = 256;

/** The trained patch edge (target px): the card's target input size. */
export function trainedTileSize(card: ModelCard): number {
  const target = inputForRole(card, 'target');
  if (!target) throw new ModelCardError(`model "${card.id}" has no target input`);
  return target.size;
}

/** Every tile the card offers, the trained patch included, smallest first. */
export function tilesOf(card: ModelCard): ModelTile[] {
  const trained: ModelTile = {
    size: trainedTileSize(card),
    batchSize: card.batchSize,
    modelFile: card.format.modelFile,
    weightFiles: card.format.weightFiles,
    ...(card.parity ? { parityFile: card.parity.file } : {}),
  };
  const others = (card.tiles ?? []).filter((t) => t.size !== trained.size);
  return [trained, ...others].sort((a, b) => a.size - b.size);
}

export const tileSizesOf = (card: ModelCard): number[] => tilesOf(card).map((t) => t.size);

export function tileOf(card: ModelCard, size: number): ModelTile {
  const tile = tilesOf(card).find((t) => t.size === size);
  if (!tile)
    throw new ModelCardError(
      `model "${card.id}" has no ${size} px tile (it offers ${tileSizesOf(card).join(', ')} px)`,
    );
  return tile;
}

/** `requested` when given (it must be offered), else DEFAULT_TILE_SIZE or the largest offered below it. */
export function chooseTileSize(card: ModelCard, requested?: number | null): number {
  if (requested !== undefined && requested !== null) return tileOf(card, requested).size;
  const sizes = tileSizesOf(card);
  const fit = sizes.filter((s) => s <= DEFAULT_TILE_SIZE);
  return fit.length > 0 ? fit[fit.length - 1] : sizes[0];
}
