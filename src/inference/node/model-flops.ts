// FLOPs of a model folder's graph on disk (Node only): model.json (or a tile graph such as
// model-256.json) and its weight shards, whose int32 shape constants the counter needs.

import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { countGraphFlops, type GraphFlops, type GraphModelJson, int32Consts } from '../graph-flops';

/** Counts the graph at `modelJsonPath` (shards resolved beside it). */
export async function countModelFileFlops(modelJsonPath: string): Promise<GraphFlops> {
  const model = JSON.parse(await readFile(modelJsonPath, 'utf8')) as GraphModelJson;
  const manifest = model.weightsManifest ?? [];
  const groups = await Promise.all(
    manifest.map(async (g) =>
      Buffer.concat(await Promise.all(g.paths.map((p) => readFile(join(dirname(modelJsonPath), p))))),
    ),
  );
  return countGraphFlops(model, int32Consts(manifest, groups));
}
