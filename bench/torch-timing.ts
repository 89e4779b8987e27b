// PyTorch timing on the training checkpoints, shared by the models and inference benchmarks: the
// same weights and the same stored input patches as the TF.js runs, so the ratios compare like
// with like. Runs one python3 process for all models.

import { spawnSync } from 'node:child_process';
import path from 'node:path';
import type { ModelCard } from '../src/inference/model-card';
import { SAMPLE } from './models-timing';

const ROOT = path.resolve(import.meta.dirname, '..');

export interface TorchResult {
  id: string;
  /** 'stored-v1': the real patches from parity.json; 'sinusoid-v1': the closed-form pattern */
  inputs: string;
  checkpoint: string | null;
  flopsPerPatch: number;
  patchesPerSecond: number | null;
  msPerBatch: number | null;
  threads: number;
  sample: number[] | null;
  note?: string;
}

// Times PyTorch on the training checkpoint with the sinusoid-v1 inputs; counts FLOPs per patch.
const TORCH_SCRIPT = `
import json, sys, time, os
import numpy as np, torch
from torch.utils.flop_counter import FlopCounterMode
from training.registry import build_model
from training.export_tfjs import parity_inputs, load_checkpoint
torch.set_num_threads(int(os.environ.get('BENCH_THREADS', '2')))
jobs = json.load(sys.stdin)
out = []
for j in jobs:
    res = {'id': j['id'], 'checkpoint': None, 'threads': torch.get_num_threads()}
    if j['checkpoint'] and os.path.exists(j['checkpoint']):
        model, _ = load_checkpoint(j['checkpoint'])
        res['checkpoint'] = j['checkpoint']
    else:
        model = build_model(j['kind'], **j['config'])
        res['note'] = 'no checkpoint: random weights (speed and FLOPs only)'
    model.eval()
    b = j['batch']
    parity = json.load(open(j['parity']))
    if parity.get('generator') == 'stored-v1':  # the real patches stored at export, repeated to the batch
        import base64
        feeds = {}
        for inp in parity['inputs']:
            a = np.frombuffer(base64.b64decode(inp['data']), dtype='<f4').reshape(inp['shape'])
            feeds[inp['name']] = np.ascontiguousarray(np.concatenate([a] * (b // len(a) + 1))[:b])
        res['inputs'] = 'stored-v1'
    else:
        feeds = parity_inputs(model.input_names, b)
        res['inputs'] = 'sinusoid-v1'
    args = [torch.from_numpy(feeds[k]).permute(0, 3, 1, 2).contiguous() for k in model.input_names]
    with torch.no_grad():
        with FlopCounterMode(display=False) as fc:
            y = model(*args)
        res['flopsPerPatch'] = fc.get_total_flops() / b
        res['sample'] = y.permute(0, 2, 3, 1).reshape(-1)[:j['sample']].tolist() if res['checkpoint'] else None
        model(*args)  # warm-up
        runs = []
        start = time.perf_counter()
        while len(runs) < 2 or (time.perf_counter() - start) * 1000 < j['budgetMs']:
            t0 = time.perf_counter()
            model(*args)
            runs.append(time.perf_counter() - t0)
    ms = sorted(runs)[len(runs) // 2] * 1000
    res['msPerBatch'] = round(ms, 1)
    res['patchesPerSecond'] = round(b * 1000 / ms, 1)
    out.append(res)
print(json.dumps(out))
`;

function torchKind(card: { architecture: string; upsampling?: string; inputs: { mpp: number }[] }): string {
  if (card.architecture === 'mrn') return `mrn-${card.upsampling}`;
  return card.inputs[0].mpp > 1.5 ? 'unet-context' : 'unet';
}

/** Times each model in PyTorch (CPU) on its checkpoint `<checkpoints>/<id>.pt`, for about `budgetMs`. */
export function timeTorch(
  models: { id: string; dir: string; card: ModelCard }[],
  checkpoints: string,
  budgetMs: number,
): TorchResult[] {
  const jobs = models.map((m) => ({
    id: m.id,
    kind: torchKind(m.card),
    config: { width: m.card.config?.width, depth: m.card.config?.depth },
    checkpoint: path.join(checkpoints, `${m.id}.pt`),
    parity: path.join(m.dir, m.card.parity?.file ?? 'parity.json'),
    batch: m.card.batchSize > 0 ? m.card.batchSize : 8,
    budgetMs,
    sample: SAMPLE,
  }));
  const r = spawnSync('python3', ['-c', TORCH_SCRIPT], {
    cwd: ROOT,
    input: JSON.stringify(jobs),
    encoding: 'utf8',
    maxBuffer: 64 << 20,
  });
  if (r.status !== 0) throw new Error(`PyTorch benchmark failed: ${r.stderr || r.error}`);
  return JSON.parse(r.stdout) as TorchResult[];
}
