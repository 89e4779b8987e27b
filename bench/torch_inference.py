"""PyTorch half of `npm run bench -- inference`: this CPU's measured fp32 peak and each model's speed on
the app's inference tiles, with PyTorch's default settings (all cores, oneDNN: nothing is set here).

Weights: the TF.js model folder itself (models/<id>/model.json + shard), loaded back into the PyTorch
module by training.import_tfjs (no checkpoints are kept with the repository), checked against the
folder's parity.json. Without that module (not landed yet) the module keeps its initial weights:
speed and FLOPs are the same, and the output says so.

stdin: {"budgetMs": 1500, "peakSizes": [1024, 2048], "models": [{"id", "dir", "kind", "width", "depth",
        "inputs": ["target", "context"], "tiles": [{"size", "batch"}]}]}
stdout: one JSON object (see bench/torch-inference.ts TorchReport).
"""

import json
import sys
import time

import torch
from torch.utils.flop_counter import FlopCounterMode

from training.registry import build_model


def timed(fn, budget_ms: float) -> tuple[float, int]:
    """(median seconds per call, calls) after one warm-up call, at least 2 calls, about budget_ms."""
    fn()
    runs = []
    start = time.perf_counter()
    while len(runs) < 2 or (time.perf_counter() - start) * 1000 < budget_ms:
        t0 = time.perf_counter()
        fn()
        runs.append(time.perf_counter() - t0)
    return sorted(runs)[len(runs) // 2], len(runs)


def peak(sizes, budget_ms: float) -> dict:
    """fp32 GEMM (torch.matmul, n×n·n×n = 2n³ FLOPs) on every thread and on one: the best of all.
    On an oversubscribed machine one thread can beat all of them (no barrier waits)."""
    rows = []
    default_threads = torch.get_num_threads()
    with torch.no_grad():
        for threads in sorted({default_threads, 1}, reverse=True):
            torch.set_num_threads(threads)
            for n in sizes:
                a, b = torch.randn(n, n), torch.randn(n, n)
                s, calls = timed(lambda: torch.matmul(a, b), budget_ms)  # noqa: B023
                rows.append({'n': n, 'threads': threads, 'gflopPerSecond': round(2 * n ** 3 / s / 1e9, 1), 'calls': calls})
    torch.set_num_threads(default_threads)
    return {'method': 'torch.matmul fp32 n×n (2n³ FLOPs), median call, best of all threads and one', 'runs': rows,
            'gflopPerSecond': max(r['gflopPerSecond'] for r in rows)}


def load(job: dict) -> tuple[torch.nn.Module, dict]:
    try:
        from training import import_tfjs  # noqa: PLC0415 (lands with the tiles work)
    except ImportError:
        model = build_model(job['kind'], width=job['width'], depth=job['depth'])
        return model.eval(), {'weights': 'initial (training/import_tfjs.py not available): speed and FLOPs only'}
    model, card = import_tfjs.import_model(job['dir'])
    info = {'weights': f"{job['dir']} (training.import_tfjs)"}
    try:
        from pathlib import Path  # noqa: PLC0415
        info['parityMaxAbsError'] = import_tfjs.parity_error(model, Path(job['dir']), card.get('parity', {}).get('file', 'parity.json'))
    except Exception as e:  # noqa: BLE001 (reported, not fatal: the speed is still measured)
        info['parityError'] = str(e)
    return model.eval(), info


def main() -> None:
    job = json.load(sys.stdin)
    out = {
        'torch': torch.__version__,
        'threads': torch.get_num_threads(),
        'interopThreads': torch.get_num_interop_threads(),
        'mkldnnAvailable': torch.backends.mkldnn.is_available(),
        'mkldnnEnabled': bool(torch.backends.mkldnn.enabled),
        'settings': 'defaults (no set_num_threads, no flags)',
    }
    out['peak'] = peak(job['peakSizes'], job['budgetMs'])
    models = []
    for m in job['models']:
        model, info = load(m)
        row = {'id': m['id'], **info, 'tiles': []}
        g = torch.Generator().manual_seed(0)
        for t in m['tiles']:
            s, b = t['size'], t['batch']
            args = [torch.rand(b, 3, s, s, generator=g) * 2 - 1 for _ in m['inputs']]
            with torch.no_grad():
                with FlopCounterMode(display=False) as fc:
                    model(*args)
                sec, calls = timed(lambda: model(*args), job['budgetMs'])  # noqa: B023
            row['tiles'].append({'size': s, 'batch': b, 'msPerBatch': round(sec * 1000, 2), 'batches': calls,
                                 'tilesPerSecond': round(b / sec, 2), 'flopsPerTile': fc.get_total_flops() / b})
        models.append(row)
    # Beside the defaults, one thread: on a machine whose cores are oversubscribed (other processes),
    # every parallel op waits at its barrier for a descheduled thread, and one thread can be faster.
    if job.get('oneThread', True):
        default_threads = torch.get_num_threads()
        torch.set_num_threads(1)
        for m, row in zip(job['models'], models):
            model, _ = load(m)
            g = torch.Generator().manual_seed(0)
            for t in row['tiles']:
                args = [torch.rand(t['batch'], 3, t['size'], t['size'], generator=g) * 2 - 1 for _ in m['inputs']]
                with torch.no_grad():
                    sec, _ = timed(lambda: model(*args), job['budgetMs'])  # noqa: B023
                t['oneThreadTilesPerSecond'] = round(t['batch'] / sec, 2)
        torch.set_num_threads(default_threads)
    out['models'] = models
    print(json.dumps(out))


if __name__ == '__main__':
    main()
