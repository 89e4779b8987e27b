// Loads a model's artifacts and card, and maps the card to what the engine and analysis need.
//
// Usage (browser):
//   const model = await loadModelFromUrl('models/test-tiny-mrn/', { signal });  // model.json + card.json
//   const model = await loadModelFromUrl('https://…/model.json', { card });      // user-given card
//   await engine.load(model.artifacts, model.spec);
//   model.geometry  // PatchGeometry for planPatchGrid / targetRegion / contextRegion
//   await loadModelFromUrl('models/mrn-bilinear/', { tileSize: 256 });  // its model-256.json, same weights
//   const model = await loadModelFromUrl('converted:my-net');  // converted in the page, from IndexedDB
// Usage (Node): loadModelWith(nodeFileHandler('models/x/model.json'), await readModelCard('models/x'))
//
// Artifacts are loaded once and kept in memory; the engine rebuilds the model from them when it
// switches backend.

import * as tf from '@tensorflow/tfjs';
import { type PatchGeometry, tileGeometry } from '../geometry/patch-geometry';
import {
  inputForRole,
  type ModelCard,
  ModelCardError,
  type ModelTile,
  normalizationAffine,
  parseModelCard,
  parseModelCardText,
  tumourChannelIndex,
} from './model-card';
import type { EngineModelSpec } from './model-spec';
import { chooseTileSize, tileOf, trainedTileSize } from './model-tiles';
import { type ConvertedStore, convertedStore } from './onnx-import/converted-store';
import { convertedIdOf } from './onnx-import/converted-url';
import { artifactsOf } from './onnx-import/graph-artifacts';

export interface LoadedModel {
  /** the card as written (its inputs describe the trained patch) */
  card: ModelCard;
  /** the inference tile loaded: its size, graph file and batch */
  tile: ModelTile;
  /** at the tile's size and batch */
  spec: EngineModelSpec;
  /** at the tile's size, with the trained patch's keep margin */
  geometry: PatchGeometry;
  artifacts: tf.io.ModelArtifacts;
}

/**
 * Engine spec from a card: target input first, then context; at `tileSize` target px (default the
 * trained patch), every input and the output scaled by the same factor, the tile's batch.
 */
export function specFromCard(card: ModelCard, tileSize?: number): EngineModelSpec {
  const trained = trainedTileSize(card);
  const tile = tileOf(card, tileSize ?? trained);
  const scale = (n: number) => (n * tile.size) / trained;
  const ordered = [...card.inputs].sort((a, b) => (a.role === b.role ? 0 : a.role === 'target' ? -1 : 1));
  return {
    id: card.id,
    inputs: ordered.map((i) => ({
      name: i.name,
      role: i.role,
      size: scale(i.size),
      channels: i.channels,
      mpp: i.mpp,
      normalization: normalizationAffine(i.normalization),
    })),
    output: {
      name: card.output.name,
      size: scale(card.output.size),
      channels: card.output.channels.length,
      select: tumourChannelIndex(card),
      ...(card.output.applyActivation && card.output.activation !== 'identity'
        ? { activation: card.output.activation }
        : {}),
    },
    batchSize: tile.batchSize,
  };
}

/** Patch geometry from a card (context fields only for two-input models), at `tileSize` (default the trained patch). */
export function geometryFromCard(card: ModelCard, tileSize?: number): PatchGeometry {
  const target = inputForRole(card, 'target');
  if (!target) throw new ModelCardError(`model "${card.id}" has no target input`);
  if (card.output.size !== target.size || Math.abs(card.output.mpp - target.mpp) > 1e-9) {
    // stitching assumes output pixel i covers target pixel i
    throw new ModelCardError(`model "${card.id}": output must be the target's size and mpp for stitching`);
  }
  const context = inputForRole(card, 'context');
  const trained: PatchGeometry = {
    targetSize: target.size,
    targetMpp: target.mpp,
    ...(context ? { contextSize: context.size, contextMpp: context.mpp } : {}),
  };
  return tileGeometry(trained, tileOf(card, tileSize ?? target.size).size);
}

/** Card, tile, spec and geometry of a model at a tile size (default: chooseTileSize's). */
function atTile(card: ModelCard, tileSize?: number | null) {
  const size = chooseTileSize(card, tileSize);
  return {
    card,
    tile: tileOf(card, size),
    spec: specFromCard(card, size),
    geometry: geometryFromCard(card, size),
  };
}

/**
 * `handler` must read the tile's graph (`tileOf(card, size).modelFile`); without `tileSize` that
 * is the trained graph, `card.format.modelFile`, as before tiles existed.
 */
export async function loadModelWith(
  handler: tf.io.IOHandler,
  card: ModelCard,
  tileSize?: number,
): Promise<LoadedModel> {
  if (!handler.load) throw new Error('model handler cannot load');
  const artifacts = await handler.load();
  return { ...atTile(card, tileSize ?? trainedTileSize(card)), artifacts };
}

/**
 * `url` is a model directory (ending in '/', holding model.json and card.json) or a model.json URL.
 * A card given in options (user-supplied) replaces card.json.
 */
export async function loadModelFromUrl(
  url: string,
  options: {
    card?: ModelCard | string;
    signal?: AbortSignal;
    fetchImpl?: typeof fetch;
    /** where `converted:<id>` models live (default: this origin's IndexedDB) */
    converted?: ConvertedStore;
    /** inference tile edge in target px (one the card offers); default chooseTileSize's */
    tileSize?: number | null;
  } = {},
): Promise<LoadedModel> {
  const convertedId = convertedIdOf(url);
  if (convertedId !== null) {
    const record = await (options.converted ?? convertedStore()).get(convertedId);
    if (!record)
      throw new ModelCardError(`converted model "${convertedId}" is no longer in this browser's storage`);
    const card =
      typeof options.card === 'string'
        ? parseModelCardText(options.card, 'user card')
        : (options.card ?? parseModelCard(record.card, `converted model "${convertedId}"`));
    const artifacts = artifactsOf(record.modelJson, record.weights);
    // a converted model has its one graph: the trained patch size
    return { ...atTile(card, trainedTileSize(card)), artifacts };
  }
  const fetchImpl = options.fetchImpl ?? fetch;
  const base = new URL(url, globalThis.location?.href ?? 'http://localhost/');
  const modelUrl = base.pathname.endsWith('.json')
    ? base
    : new URL('model.json', base.href.replace(/\/?$/, '/'));
  let card: ModelCard;
  if (typeof options.card === 'object') card = options.card;
  else if (typeof options.card === 'string') card = parseModelCardText(options.card, 'user card');
  else {
    const cardUrl = new URL('card.json', modelUrl);
    const res = await fetchImpl(cardUrl.href, { signal: options.signal });
    if (!res.ok) throw new ModelCardError(`cannot fetch ${cardUrl.href}: HTTP ${res.status}`);
    card = parseModelCardText(await res.text(), cardUrl.href);
  }
  const fetchFunc = ((input: RequestInfo | URL, init?: RequestInit) =>
    fetchImpl(input, { ...init, signal: options.signal })) as typeof fetch;
  const model = atTile(card, options.tileSize);
  // a tile other than the trained one lives beside model.json, in the same directory
  const graphUrl =
    model.tile.modelFile === card.format.modelFile ? modelUrl : new URL(model.tile.modelFile, modelUrl);
  const handler = tf.io.http(graphUrl.href, { fetchFunc });
  if (!handler.load) throw new Error('model handler cannot load');
  return { ...model, artifacts: await handler.load() };
}
