// Lists the model directories under a root (e.g. models/): each sub-directory with a card.json
// whose name is a model id. Node only. The one rule for "which folders are models", shared by the
// dev server (vite.config.ts serves /models/index.json from it), the CLIs, benches and tests.
// Dot-directories are exports in progress (training/export_tfjs.py writes a hidden temporary
// directory and renames it into place) and never match; nor does any name the card's id rule rejects.
//
// Usage:
//   const dirs = listModelDirs('models');                        // [{ id, dir }], sorted by id
//   const picked = await pickModels('models', { ids, includeTest }); // with cards, test models dropped

import { existsSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { MODEL_ID_PATTERN, type ModelCard } from '../model-card';
import { readModelCard } from './node-model-io';

export interface ModelDir {
  id: string;
  dir: string;
}

/** A folder name that can be a model: the card's kebab-case id rule (so no dot-directories). */
export function isModelDirName(name: string): boolean {
  return MODEL_ID_PATTERN.test(name);
}

export function listModelDirs(root: string): ModelDir[] {
  const abs = resolve(root);
  if (!existsSync(abs)) return [];
  return readdirSync(abs, { withFileTypes: true })
    .filter((e) => e.isDirectory() && isModelDirName(e.name) && existsSync(join(abs, e.name, 'card.json')))
    .map((e) => ({ id: e.name, dir: join(abs, e.name) }))
    .sort((a, b) => a.id.localeCompare(b.id));
}

export interface PickOptions {
  /** explicit model ids (directory names); default every model under the root */
  ids?: string[];
  /** keep cards with testModel: true (always an error for an explicit id without this) */
  includeTest?: boolean;
  signal?: AbortSignal;
}

/** Model directories with their validated cards; throws naming a missing or test model asked for by id. */
export async function pickModels(
  root: string,
  options: PickOptions = {},
): Promise<(ModelDir & { card: ModelCard })[]> {
  const all = listModelDirs(root);
  const wanted = options.ids ?? all.map((m) => m.id);
  const picked: (ModelDir & { card: ModelCard })[] = [];
  for (const id of wanted) {
    const found = all.find((m) => m.id === id);
    if (!found)
      throw new Error(
        `no model '${id}' in ${resolve(root)} (have: ${all.map((m) => m.id).join(', ') || 'none'})`,
      );
    const card = await readModelCard(found.dir, options.signal);
    if (card.testModel && !options.includeTest) {
      if (options.ids)
        throw new Error(`'${id}' is a test model (random weights); pass --include-test-models to use it`);
      continue;
    }
    picked.push({ ...found, card });
  }
  return picked;
}
