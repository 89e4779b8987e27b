// Inference tile sizes of a model: the trained patch (the card's own graph) plus the larger tiles
// its card lists (the same weights exported at other static shapes, training/export_tiles.py).
//
// Usage:
//   tileSizesOf(card)              // [64, 128, 256]
//   chooseTileSize(card)           // 256 where the card offers it (DEFAULT_TILE_SIZE), else the largest
//                                  // below; a card without `tiles` runs its trained patch (unet-context, imports)
//   chooseTileSize(card, 64)       // 64 (the trained patch, as before bigger tiles); a size not offered
//                                  // gives the largest offered below it (the trained patch at least)
//   tileOf(card, 256)              // {size, batchSize, modelFile, weightFiles, parityFile?}

import { inputForRole, type ModelCard, ModelCardError, type ModelTile } from './model-card';

/**
 * The upper bound on the tile edge (target px) when none is asked for: each model runs the largest
 * tile its card offers up to it, so 256 px for the shipped fully convolutional models, the trained
 * patch for a card without `tiles`. Measured best (models/README "Inference tiles"): MRN-bilinear
 * pooled IoU 0.9522 at 256 px vs 0.9496 at 64 px, 1.48x the tissue per CPU second.
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

/**
 * The tile to run: the largest the card offers up to `requested` (default DEFAULT_TILE_SIZE), and
 * never below the trained patch. So `?tile=256` runs 256 px tiles where a model has them and its
 * trained patch elsewhere (a user's model), and 64 is every shipped model's trained graph.
 */
export function chooseTileSize(card: ModelCard, requested?: number | null): number {
  const limit = requested ?? DEFAULT_TILE_SIZE;
  if (!(limit > 0)) throw new ModelCardError(`tile size must be positive (got ${requested})`);
  const sizes = tileSizesOf(card);
  const fit = sizes.filter((s) => s <= limit);
  return fit.length > 0 ? fit[fit.length - 1] : sizes[0];
}
