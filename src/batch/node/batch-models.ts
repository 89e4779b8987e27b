// Models for a batch: `--model <id>` is models/<id> (or <models-dir>/<id>), else a folder holding a
// card.json. Each gets a version: a hash of its card, graph and weight files, so retraining a model
// under the same id makes new jobs and replaces stale outputs. Node only.
//
// Usage:
//   const ref = await resolveModel('unet');        // { id, dir, version, card }
//   const model = await loadBatchModel(ref.dir);   // LoadedModel, for the engine

import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { ModelCard } from '../../inference/model-card';
import type { LoadedModel } from '../../inference/model-loader';
import { loadModelDir } from '../../inference/node/load-model-dir';
import { readModelCard, readModelJson } from '../../inference/node/node-model-io';
import { sha256 } from './job-key';

export interface ModelRef {
  /** the card's id */
  id: string;
  /** absolute model folder */
  dir: string;
  version: string;
  name: string;
  exportedAt: string | null;
}

export async function resolveModelDir(arg: string, modelsDir = 'models'): Promise<string> {
  const byId = resolve(modelsDir, arg);
  if (!arg.includes('/') && existsSync(join(byId, 'card.json'))) return byId;
  const asPath = resolve(arg);
  if (existsSync(join(asPath, 'card.json'))) return asPath;
  throw new Error(`no model '${arg}': neither ${byId} nor ${asPath} holds a card.json`);
}

/** Hash of card.json, the graph JSON and every weight shard it names (12 hex). */
export async function modelVersion(dir: string, card: ModelCard): Promise<string> {
  const modelPath = join(dir, card.format.modelFile);
  const json = await readModelJson(modelPath);
  const parts: Uint8Array[] = [await readFile(join(dir, 'card.json')), await readFile(modelPath)];
  for (const group of json.weightsManifest)
    for (const p of group.paths) parts.push(await readFile(join(dir, p)));
  const h = sha256(Buffer.concat(parts));
  return h.slice(0, 12);
}

export async function resolveModel(arg: string, modelsDir?: string): Promise<ModelRef> {
  const dir = await resolveModelDir(arg, modelsDir);
  const card = await readModelCard(dir);
  return {
    id: card.id,
    dir,
    version: await modelVersion(dir, card),
    name: card.name,
    exportedAt: card.exportedAt ?? null,
  };
}

/** The model at the app's default inference tile (model-tiles.ts chooseTileSize), as the viewer runs it. */
export async function loadBatchModel(dir: string, signal?: AbortSignal): Promise<LoadedModel> {
  return loadModelDir(dir, { signal });
}
