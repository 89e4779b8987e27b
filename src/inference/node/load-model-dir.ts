// Loads a model folder (card.json + the graph of one inference tile) in Node, as the browser's
// loadModelFromUrl does over HTTP. Node only.
//
// Usage:
//   const model = await loadModelDir('models/mrn-bilinear');                  // the default tile
//   const legacy = await loadModelDir('models/mrn-bilinear', { tileSize: 64 }); // the trained graph

import { join } from 'node:path';
import type { ModelCard } from '../model-card';
import { type LoadedModel, loadModelWith } from '../model-loader';
import { chooseTileSize, tileOf } from '../model-tiles';
import { nodeFileHandler, readModelCard } from './node-model-io';

export async function loadModelDir(
  dir: string,
  options: { tileSize?: number | null; card?: ModelCard; signal?: AbortSignal } = {},
): Promise<LoadedModel> {
  const card = options.card ?? (await readModelCard(dir, options.signal));
  const size = chooseTileSize(card, options.tileSize);
  return loadModelWith(nodeFileHandler(join(dir, tileOf(card, size).modelFile), options.signal), card, size);
}
