// npm run bench -- tile-sizes [--models unet,mrn-bilinear] [--backend wasm|cpu] [--budget-ms 4000]
//                             [--rounds 2] [--models-dir models]
// Which inference tile serves best: each shipped model at every tile size its card offers
// (model-tiles.ts), in Node tfjs, the same weights (the parity.json patches, repeated). A tile of
// S px keeps (S − 2·margin)² of its output, margin = the trained 64 px patch's (8 px), so the figure
// that counts is the kept area per second: mm²/s of tissue at the target mpp. Sizes are timed in
// interleaved rounds (64, 128, 256, 64, …) so that the shared machine's load hits them alike;
// `vs64` is the ratio to the 64 px tile of the same model in the same run. Rates come from CPU time
// (process.cpuUsage: tfjs-wasm runs on the calling thread in Node), which a loaded machine's
// waits do not inflate; wall time is reported beside it.

import path from 'node:path';
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import type { Predictor } from '../src/analysis/scheduler';
import { marginOf } from '../src/geometry/patch-geometry';
import { createEngine } from '../src/inference/engine';
import { tileSizesOf } from '../src/inference/model-tiles';
import { loadModelDir } from '../src/inference/node/load-model-dir';
import { listModelDirs } from '../src/inference/node/model-dirs';
import { readModelCard } from '../src/inference/node/node-model-io';
import { benchInputs } from './models-timing';

/**
 * CPU ms (this process: user + system) and wall ms per tile, median over full batches for about
 * `budgetMs` of CPU time (at least 3). tfjs-wasm in Node runs on this thread, so its CPU time is
 * the work done; on a loaded machine wall time mostly measures the wait for a core.
 */
async function timeTiles(engine: Predictor, feeds: Record<string, Float32Array>, budgetMs: number) {
  const batch = engine.batchSize;
  const cpu: number[] = [];
  const wall: number[] = [];
  let spent = 0;
  while (cpu.length < 3 || spent < budgetMs) {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    await engine.predict(feeds, batch);
    const c = process.cpuUsage(c0);
    cpu.push((c.user + c.system) / 1000);
    wall.push(performance.now() - t0);
    spent += cpu[cpu.length - 1];
  }
  const median = (xs: number[]) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)];
  return { batch, cpuMsPerTile: median(cpu) / batch, wallMsPerTile: median(wall) / batch };
}

export async function run(argv: string[]) {
  const { values } = parseArgs({
    args: argv.filter((a) => a !== 'tile-sizes'),
    options: {
      models: { type: 'string', default: 'unet,unet-context,mrn-bilinear,mrn-transposed' },
      backend: { type: 'string', default: 'wasm' },
      'budget-ms': { type: 'string', default: '4000' },
      rounds: { type: 'string', default: '2' },
      'models-dir': { type: 'string', default: 'models' },
    },
    strict: false,
  });
  const backend = String(values.backend) as 'wasm' | 'cpu';
  const budgetMs = Number(values['budget-ms']);
  const rounds = Number(values.rounds);
  if (backend === 'wasm') setWasmPaths(`${path.resolve('node_modules/@tensorflow/tfjs-backend-wasm/dist')}/`);
  await tf.setBackend(backend);
  const wanted = String(values.models).split(',');
  const dirs = listModelDirs(String(values['models-dir'])).filter((m) => wanted.includes(m.id));
  const rows: Record<string, unknown>[] = [];
  for (const m of dirs) {
    const card = await readModelCard(m.dir);
    const sizes = tileSizesOf(card);
    const acc = new Map<
      number,
      { cpuMs: number[]; wallMs: number[]; batch: number; keep: number; mpp: number }
    >();
    for (let r = 0; r < rounds; r++) {
      for (const size of sizes) {
        const model = await loadModelDir(m.dir, { card, tileSize: size });
        const engine = createEngine({ backend, candidates: [backend] });
        try {
          await engine.load(model.artifacts, model.spec);
          const t = await timeTiles(engine, benchInputs(model.spec, engine.batchSize), budgetMs);
          const keep = size - 2 * marginOf(model.geometry);
          const a = acc.get(size) ?? {
            cpuMs: [],
            wallMs: [],
            batch: t.batch,
            keep,
            mpp: model.geometry.targetMpp,
          };
          a.cpuMs.push(t.cpuMsPerTile);
          a.wallMs.push(t.wallMsPerTile);
          acc.set(size, a);
          console.error(
            `${card.id} ${size} px (round ${r + 1}): ${t.cpuMsPerTile.toFixed(1)} CPU ms/tile, ${t.wallMsPerTile.toFixed(1)} wall`,
          );
        } finally {
          engine.dispose();
        }
      }
    }
    let base = 0;
    for (const size of sizes) {
      const a = acc.get(size)!;
      const ms = Math.min(...a.cpuMs); // the least disturbed round
      const mm2PerS = ((a.keep * a.mpp) ** 2 / 1e6) * (1000 / ms);
      if (size === sizes[0]) base = mm2PerS;
      rows.push({
        model: card.id,
        tile: size,
        batch: a.batch,
        keptFraction: Math.round((a.keep / size) ** 2 * 1000) / 1000,
        cpuMsPerTile: Math.round(ms * 10) / 10,
        wallMsPerTile: Math.round(Math.min(...a.wallMs) * 10) / 10,
        tilesPerSecond: Math.round((1000 / ms) * 10) / 10,
        // 64 px patch equivalents: the input pixels a tile holds, per second
        patchEquivalentsPerSecond: Math.round((1000 / ms) * (size / 64) ** 2 * 10) / 10,
        keptMm2PerSecond: Math.round(mm2PerS * 1e4) / 1e4,
        vs64: Math.round((mm2PerS / base) * 100) / 100,
      });
    }
  }
  return { backend, tfjs: tf.version.tfjs, rounds, budgetMs, rows };
}
