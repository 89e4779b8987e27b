"""Trains one model on shards and exports it as a TF.js graph model with its card.

python3 -m training.train --model unet|unet-context|mrn-transposed|mrn-bilinear \\
    --shards training/work/shards --steps 2000 --batch 16 --seed 0 --out models/<id>

--shards DIR holds train/ and val/ splits (or is itself the training split, then no metrics).
BCE loss, Adam with L2 weight decay (as in Gu et al. 2018), flips/rot90/HED jitter applied
identically to target and context. Checkpoints go to training/work/checkpoints/<id>.pt."""

from __future__ import annotations

import argparse
import random
from pathlib import Path

import numpy as np
import torch

from .export_tfjs import export_model
from .model_inputs import batch_tensors, normalise, parity_feed
from .registry import DESCRIPTIONS, MODEL_KINDS, build_model
from .shards import ShardSet, find_splits, load_split
from .train_loop import train_loop

AUGMENTATION = ['flip', 'rot90', 'hed-jitter(alpha=0.05,beta=0.02)']


def seed_all(seed: int):
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


@torch.no_grad()
def evaluate(model, kind: str, s: ShardSet, device, batch: int = 64, threshold: float = 0.5) -> dict:
    model.eval()
    tp = fp = fn = 0
    for i in range(0, len(s), batch):
        idx = np.arange(i, min(i + batch, len(s)))
        xs, y = batch_tensors(kind, s, idx)
        p = model(*[normalise(x.to(device)) for x in xs]) >= threshold
        t = y.to(device) > 0.5
        tp += int((p & t).sum())
        fp += int((p & ~t).sum())
        fn += int((~p & t).sum())
    denom = tp + fp + fn
    # no tumour anywhere and none predicted: a perfect (if uninformative) score
    iou = tp / denom if denom else 1.0
    dice = 2 * tp / (2 * tp + fp + fn) if denom else 1.0
    model.train()
    return {'split': s.path.name, 'patches': len(s), 'threshold': threshold, 'iou': round(iou, 4),
            'dice': round(dice, 4)}


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--model', required=True, choices=MODEL_KINDS)
    ap.add_argument('--shards', required=True)
    ap.add_argument('--steps', type=int, default=1000)
    ap.add_argument('--batch', type=int, default=16)
    ap.add_argument('--seed', type=int, default=0)
    ap.add_argument('--out', required=True, help='model directory, e.g. models/mrn-bilinear')
    ap.add_argument('--width', type=int, default=16)
    ap.add_argument('--lr', type=float, default=1e-3)
    ap.add_argument('--weight-decay', type=float, default=1e-5)
    ap.add_argument('--threads', type=int, default=2)
    ap.add_argument('--export-batch', type=int, default=8)
    ap.add_argument('--context-aux', type=float, default=0.0,
                    help='MRN only: weight of the deep-supervision loss on the context encoder (0: off)')
    ap.add_argument('--float16', action='store_true')
    ap.add_argument('--name')
    ap.add_argument('--test-model', action='store_true', help='mark the card as a test model (smoke runs)')
    a = ap.parse_args(argv)

    torch.set_num_threads(a.threads)
    seed_all(a.seed)
    device = torch.device('cuda' if torch.cuda.is_available() else 'cpu')
    train_dir, val_dir = find_splits(a.shards)
    train = load_split(train_dir)
    val = load_split(val_dir) if val_dir else None
    model = build_model(a.model, width=a.width).to(device)
    if a.context_aux < 0 or (a.context_aux > 0 and not hasattr(model, 'logits_with_context')):
        ap.error('--context-aux takes a non-negative weight, and only for MRN models')
    aux = a.context_aux > 0
    opt = torch.optim.Adam(model.parameters(), lr=a.lr, weight_decay=a.weight_decay)
    gen = torch.Generator().manual_seed(a.seed)
    rng = np.random.default_rng(a.seed)
    out = Path(a.out)
    print(f'{a.model}: {sum(p.numel() for p in model.parameters())} params, {len(train)} train patches, '
          f'{len(val) if val else 0} val, device {device}', flush=True)

    def draw():
        idx = rng.integers(0, len(train), a.batch)
        xs, y = batch_tensors(a.model, train, idx)
        cmask = torch.from_numpy(train.context_mask[idx] > 0).float()[:, None] if aux else None
        return xs, y, cmask

    seconds = train_loop(model, opt, steps=a.steps, draw=draw, context_aux=a.context_aux, gen=gen, device=device)

    metrics = evaluate(model, a.model, val, device) if val else None
    print(f'val: {metrics}', flush=True)
    training = {
        'generator': str(train.manifest.get('generator', 'unknown')),
        'seeds': {'train': a.seed, **({'data': int(train.manifest['seed'])} if 'seed' in train.manifest else {})},
        'steps': a.steps, 'batch': a.batch, 'patchesSeen': a.steps * a.batch, 'seconds': round(seconds, 1),
        'device': str(device), 'shards': str(a.shards), 'trainPatches': len(train),
        'optimizer': f'Adam(lr={a.lr}, weight_decay={a.weight_decay}), BCE',
        'augmentation': AUGMENTATION,
        **({'contextDeepSupervision': a.context_aux} if aux else {}),
    }
    ckpt_dir = Path('training/work/checkpoints')
    ckpt_dir.mkdir(parents=True, exist_ok=True)
    model = model.cpu()
    torch.save({'model': a.model, 'config_kwargs': {'width': a.width}, 'state_dict': model.state_dict(),
                'training': training, 'metrics': metrics, 'name': a.name, 'description': DESCRIPTIONS[a.model]},
               ckpt_dir / f'{out.name}.pt')
    export_model(model, out, name=a.name or f'{a.model} (trained)', batch=a.export_batch, float16=a.float16,
                 training=training, metrics=metrics, description=DESCRIPTIONS[a.model], test_model=a.test_model,
                 parity_feed=parity_feed(a.model, val or train))
    print(f'exported {out}', flush=True)


if __name__ == '__main__':
    main()
