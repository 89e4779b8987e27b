// Runs bench/torch_onnx_models.py: PyTorch on the ONNX test networks' own weights (rebuilt from
// their seeds, checked against onnxruntime's outputs of the exports), `batch` patches a call.

import { spawnSync } from 'node:child_process';
import path from 'node:path';

const ROOT = path.resolve(import.meta.dirname, '..');

export interface TorchOnnxRow {
  model: string;
  batch?: number;
  size?: number;
  /** max |Δ| of PyTorch's output against onnxruntime's on each export (same weights, same inputs) */
  parity?: Record<string, number>;
  msPerBatch?: number;
  patchesPerSecond?: number;
  oneThreadPatchesPerSecond?: number;
  error?: string;
}

export interface TorchOnnxReport {
  torch: string;
  threads: number;
  settings: string;
  models: TorchOnnxRow[];
}

export function timeTorchOnnxModels(
  dir: string,
  models: string[],
  budgetMs: number,
  batch?: number,
): TorchOnnxReport {
  const r = spawnSync('python3', [path.join(ROOT, 'bench/torch_onnx_models.py')], {
    cwd: ROOT,
    env: { ...process.env, PYTHONPATH: ROOT },
    input: JSON.stringify({ dir, models, budgetMs, batch }),
    encoding: 'utf8',
    stdio: ['pipe', 'pipe', 'inherit'],
    maxBuffer: 16 << 20,
  });
  if (r.status !== 0) throw new Error(`PyTorch benchmark failed (exit ${r.status})`);
  return JSON.parse(r.stdout) as TorchOnnxReport;
}
