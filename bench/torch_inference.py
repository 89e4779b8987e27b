"""PyTorch half of `npm run bench -- inference`: this CPU's measured fp32 peak and each model's speed on
the app's inference tiles, with PyTorch's default settings (all cores, oneDNN: nothing is set here).

Device: job["device"] 'cpu' (default, as `npm run bench -- inference` runs it), 'cuda', or 'auto' (CUDA
when PyTorch sees a GPU, else the CPU: the GPU pack, bench/gpu/). On CUDA every timed call ends with
torch.cuda.synchronize(), the peak is an fp32 matmul with TF32 off, and each tile is also timed with
cuDNN's TF32 off (strictFp32TilesPerSecond) beside the defaults. A tile's optional "batchSweep" (list
of batch sizes) times bigger batches too (batchSweep in the output).

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


def _sync() -> None:
    if torch.cuda.is_available() and torch.cuda.is_initialized():
        torch.cuda.synchronize()


def timed(fn, budget_ms: float) -> tuple[float, int]:
    """(median seconds per call, calls) after one warm-up call, at least 2 calls, about budget_ms.
    On CUDA each call is waited for (a kernel launch returns before the work is done)."""
    fn()
    _sync()
    runs = []
    start = time.perf_counter()
    while len(runs) < 2 or (time.perf_counter() - start) * 1000 < budget_ms:
        t0 = time.perf_counter()
        fn()
        _sync()
        runs.append(time.perf_counter() - t0)
    return sorted(runs)[len(runs) // 2], len(runs)


def cuda_peak(sizes, budget_ms: float) -> dict:
    """fp32 GEMM on the GPU with TF32 off (plain FP32 FMA units, the datasheet's FP32 figure)."""
    rows = []
    before = torch.backends.cuda.matmul.allow_tf32
    torch.backends.cuda.matmul.allow_tf32 = False
    with torch.no_grad():
        for n in sizes:
            a, b = torch.randn(n, n, device='cuda'), torch.randn(n, n, device='cuda')
            s, calls = timed(lambda: torch.matmul(a, b), budget_ms)  # noqa: B023
            rows.append({'n': n, 'gflopPerSecond': round(2 * n ** 3 / s / 1e9, 1), 'calls': calls})
    torch.backends.cuda.matmul.allow_tf32 = before
    return {'method': 'torch.matmul fp32 n×n on CUDA, TF32 off (2n³ FLOPs), median call, best size', 'runs': rows,
            'gflopPerSecond': max(r['gflopPerSecond'] for r in rows)}


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


def pick_device(asked: str) -> str:
    if asked == 'auto':
        return 'cuda' if torch.cuda.is_available() else 'cpu'
    return asked


def main() -> None:
    job = json.load(sys.stdin)
    device = pick_device(job.get('device', 'cpu'))
    out = {
        'torch': torch.__version__,
        'threads': torch.get_num_threads(),
        'interopThreads': torch.get_num_interop_threads(),
        'mkldnnAvailable': torch.backends.mkldnn.is_available(),
        'mkldnnEnabled': bool(torch.backends.mkldnn.enabled),
        'settings': 'defaults (no set_num_threads, no flags)',
        'device': device,
        'deviceName': torch.cuda.get_device_name(0) if device == 'cuda' else 'cpu',
    }
    if device == 'cuda':
        out['cudnnAllowTf32'] = bool(torch.backends.cudnn.allow_tf32)
        out['matmulAllowTf32'] = bool(torch.backends.cuda.matmul.allow_tf32)
        out['peak'] = cuda_peak(job.get('cudaPeakSizes', [4096, 8192]), job['budgetMs'])
    else:
        out['peak'] = peak(job['peakSizes'], job['budgetMs'])
    models = []
    for m in job['models']:
        model, info = load(m)
        model = model.to(device)
        row = {'id': m['id'], **info, 'tiles': []}
        g = torch.Generator().manual_seed(0)
        for t in m['tiles']:
            s, b = t['size'], t['batch']
            args = [(torch.rand(b, 3, s, s, generator=g) * 2 - 1).to(device) for _ in m['inputs']]
            with torch.no_grad():
                with FlopCounterMode(display=False) as fc:
                    model(*args)
                sec, calls = timed(lambda: model(*args), job['budgetMs'])  # noqa: B023
                tile = {'size': s, 'batch': b, 'msPerBatch': round(sec * 1000, 3), 'batches': calls,
                        'tilesPerSecond': round(b / sec, 2), 'flopsPerTile': fc.get_total_flops() / b}
                if device == 'cuda' and torch.backends.cudnn.allow_tf32:
                    torch.backends.cudnn.allow_tf32 = False
                    strict, _ = timed(lambda: model(*args), job['budgetMs'])  # noqa: B023
                    torch.backends.cudnn.allow_tf32 = True
                    tile['strictFp32TilesPerSecond'] = round(b / strict, 2)
                # bigger batches than the shipped graph's (the GPU pack): how far the fixed batch is
                # from what the device does when it is fed enough work at once
                sweep = []
                for big in t.get('batchSweep', []):
                    bargs = [(torch.rand(big, 3, s, s, generator=g) * 2 - 1).to(device) for _ in m['inputs']]
                    bsec, _ = timed(lambda: model(*bargs), job['budgetMs'] / 2)  # noqa: B023
                    sweep.append({'batch': big, 'tilesPerSecond': round(big / bsec, 2)})
                if sweep:
                    tile['batchSweep'] = sweep
            row['tiles'].append(tile)
        models.append(row)
    # Beside the defaults, one thread: on a machine whose cores are oversubscribed (other processes),
    # every parallel op waits at its barrier for a descheduled thread, and one thread can be faster.
    if job.get('oneThread', True) and device == 'cpu':
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
