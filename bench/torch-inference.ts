// Runs bench/torch_inference.py: this CPU's measured fp32 peak (torch.matmul) and PyTorch's speed on
// the app's inference tiles (same weights: the model folder's own, through training.import_tfjs; same
// tile sizes and batches), with PyTorch's default settings. One python3 process for everything.

import { spawnSync } from 'node:child_process';
import path from 'node:path';
import type { ModelCard } from '../src/inference/model-card';

const ROOT = path.resolve(import.meta.dirname, '..');

export interface TorchTile {
  size: number;
  batch: number;
  msPerBatch: number;
  batches: number;
  tilesPerSecond: number;
  /** PyTorch's FlopCounterMode (2 per MAC), per tile */
  flopsPerTile: number;
  /** the same tiles on one thread (torch.set_num_threads(1)), for an oversubscribed machine */
  oneThreadTilesPerSecond?: number;
  /** on CUDA, the same tiles with cuDNN's TF32 off (plain FP32) */
  strictFp32TilesPerSecond?: number;
  /** the same tile at bigger batches than the graph's, when the job asks (the GPU pack) */
  batchSweep?: { batch: number; tilesPerSecond: number }[];
}

export interface TorchModel {
  id: string;
  weights: string;
  parityMaxAbsError?: number;
  parityError?: string;
  tiles: TorchTile[];
}

export interface TorchReport {
  torch: string;
  threads: number;
  interopThreads: number;
  mkldnnAvailable: boolean;
  mkldnnEnabled: boolean;
  settings: string;
  peak: {
    method: string;
    runs: { n: number; threads: number; gflopPerSecond: number; calls: number }[];
    gflopPerSecond: number;
  };
  models: TorchModel[];
}

/** The registry id of a card's network (training/registry.py). */
export function torchKind(card: ModelCard): string {
  if (card.architecture === 'mrn') return `mrn-${card.upsampling}`;
  const target = card.inputs.find((i) => i.role === 'target') ?? card.inputs[0];
  return target.mpp !== 1 ? 'unet-context' : 'unet';
}

export function timeTorchTiles(
  models: { id: string; dir: string; card: ModelCard; tiles: { size: number; batch: number }[] }[],
  budgetMs: number,
  peakSizes: number[] = [1024, 2048],
): TorchReport {
  const job = {
    budgetMs,
    peakSizes,
    models: models.map((m) => ({
      id: m.id,
      dir: m.dir,
      kind: torchKind(m.card),
      width: Number(m.card.config?.width ?? 16),
      depth: Number(m.card.config?.depth ?? 4),
      inputs: m.card.inputs.map((i) => i.role),
      tiles: m.tiles,
    })),
  };
  const r = spawnSync('python3', [path.join(ROOT, 'bench/torch_inference.py')], {
    cwd: ROOT,
    env: { ...process.env, PYTHONPATH: ROOT },
    input: JSON.stringify(job),
    encoding: 'utf8',
    maxBuffer: 16 << 20,
  });
  if (r.status !== 0) throw new Error(`PyTorch benchmark failed: ${r.stderr || r.error}`);
  return JSON.parse(r.stdout) as TorchReport;
}
