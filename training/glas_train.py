"""Trains a GlaS model (U-Net, MRN-bilinear, MRN-transposed, or the U-Net at the context mpp) on
shards from scripts/glas/extract-glas.ts and exports it as a TF.js graph model with a schema-2 card.

python3 -m training.glas_train --model unet|mrn-bilinear|mrn-transposed|unet-context \\
    --shards training/work/glas/shards --steps 1500 --batch 16 --seed 0 --out models/glas-unet

Task: per pixel background / benign gland / malignant gland (a gland pixel of an image graded
malignant). Two sigmoid output channels: `tumour` (malignant gland) and `gland` (benign or
malignant), and a third, `border` (gland outlines and the gaps between glands: what separates
touching glands), when the shards carry border labels (extract-glas.ts --border-px). BCE on
each (--border-weight on the border's positives), Adam with L2 weight decay, flips/rot90/HED
jitter alike on target, context and masks (training/augment.py). MRNs: context joined at every decoder level and the
bottleneck, context encoder deep-supervised (--context-aux) on the tumour and gland fraction of
each of its bottleneck cells, half the training centres pixel-aligned (the extractor's default).

Data: GlaS (MICCAI 2015 Gland Segmentation challenge), research use only; cite Sirinukunwattana
et al., Medical Image Analysis 35 (2017). Only the weights and the card go into the repository."""

from __future__ import annotations

import argparse
import json
import re
import time
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from .export_tfjs import export_model
from .glas_model import build
from .import_tfjs import load_weights
from .mrn import MRN
from .model_inputs import normalise, to_input
from .train import AUGMENTATION, seed_all
from .train_loop import train_loop

KINDS = ('unet', 'unet-context', 'mrn-bilinear', 'mrn-transposed')
CHANNELS = [
    {'name': 'tumour', 'description': 'malignant gland (adenocarcinoma): a gland pixel of an image graded malignant'},
    {'name': 'gland', 'description': 'any gland, benign or malignant (what the GlaS challenge metrics score)'},
]
CHANNEL_INDEX = {c['name']: i for i, c in enumerate(CHANNELS)}
BORDER_CHANNEL = {'name': 'border', 'description': 'gland outlines and the gaps between glands (splits touching '
                  'glands into instances)'}
DATA = ('GlaS, the MICCAI 2015 Gland Segmentation challenge (Warwick): colorectal H&E at 20x (0.62 um/px), '
        'training part only; research use only. Cite K. Sirinukunwattana et al., "Gland segmentation in colon '
        'histology images: The GlaS challenge contest", Medical Image Analysis 35 (2017), and the MICCAI 2015 '
        'challenge.')
INTENDED_USE = ('Research only, under the GlaS terms. Colorectal glands in H&E at 20x (0.62 um/px) only; '
                'not for diagnosis and not for other tissues, stains or magnifications.')


class GlasShards:
    def __init__(self, split_dir: Path):
        m = json.loads((split_dir / 'manifest.json').read_text())
        if m.get('task') != 'glas-3class':
            raise ValueError(f'{split_dir}: manifest task is {m.get("task")!r}, expected glas-3class '
                             '(shards from scripts/glas/extract-glas.ts)')
        g = m['geometry']
        t, c = g['targetSize'], g['contextSize']
        rec = m['record']['bytes']
        if rec != t * t * 3 + c * c * 3 + t * t + c * c:
            raise ValueError(f'{split_dir}: record of {rec} bytes does not fit {t} px target + {c} px context')
        data = np.concatenate([np.fromfile(split_dir / s['file'], dtype=np.uint8) for s in m['shards']])
        if data.size % rec:
            raise ValueError(f'{split_dir}: shard bytes are not whole records of {rec}')
        r = data.reshape(-1, rec)
        o = 0
        self.target = r[:, o:o + t * t * 3].reshape(-1, t, t, 3); o += t * t * 3
        self.context = r[:, o:o + c * c * 3].reshape(-1, c, c, 3); o += c * c * 3
        self.target_mask = r[:, o:o + t * t].reshape(-1, t, t); o += t * t
        self.context_mask = r[:, o:o + c * c].reshape(-1, c, c)
        # border labels ride in bit 2 of the mask (extract-glas.ts --border-px)
        self.border_px = int(m.get('borderPx') or 0)
        top = 6 if self.border_px else 2
        if self.target_mask.max() > top or self.context_mask.max() > top or \
                (self.target_mask & 3).max() > 2 or (self.context_mask & 3).max() > 2:
            raise ValueError(f'{split_dir}: mask values above {top} (classes are 0, 1, 2'
                             f'{", plus 4 on borders" if self.border_px else ""})')
        self.manifest, self.geometry, self.path = m, g, split_dir

    def __len__(self):
        return self.target.shape[0]


def mask_channels(mask: np.ndarray, border: bool = False) -> torch.Tensor:
    """class mask N×H×W (0/1/2, + 4 on borders) → N×2×H×W float: tumour (2), gland (1 or 2);
    with `border`, N×3×H×W: and the border bit."""
    m = torch.from_numpy(mask)
    c = m & 3
    planes = [(c == 2), (c >= 1)] + ([(m & 4) != 0] if border else [])
    return torch.stack(planes, 1).float()


def channels_of(shards: 'GlasShards') -> list[dict]:
    return CHANNELS + ([BORDER_CHANNEL] if shards.border_px else [])


def batch(kind: str, s: GlasShards, idx: np.ndarray):
    b = bool(s.border_px)
    if kind == 'unet-context':
        return [to_input(s.context[idx])], mask_channels(s.context_mask[idx], b)
    y = mask_channels(s.target_mask[idx], b)
    if kind == 'unet':
        return [to_input(s.target[idx])], y
    return [to_input(s.target[idx]), to_input(s.context[idx])], y


@torch.no_grad()
def evaluate(model, kind: str, s: GlasShards, n: int = 64) -> dict:
    model.eval()
    k = 3 if s.border_px else 2
    counts = np.zeros((k, 3))
    for i in range(0, len(s), n):
        xs, y = batch(kind, s, np.arange(i, min(i + n, len(s))))
        p = model(*[normalise(x) for x in xs]) >= 0.5
        t = y > 0.5
        for c in range(k):
            counts[c] += [int((p[:, c] & t[:, c]).sum()), int((p[:, c] & ~t[:, c]).sum()), int((~p[:, c] & t[:, c]).sum())]
    model.train()
    iou = [float(tp / max(1, tp + fp + fn)) for tp, fp, fn in counts]
    return {'split': 'val (patches)', 'patches': len(s), 'threshold': 0.5, 'tumourIoU': round(iou[0], 4),
            'glandIoU': round(iou[1], 4), **({'borderIoU': round(iou[2], 4)} if k == 3 else {})}


@torch.no_grad()
def patch_losses(model, kind: str, s: GlasShards, n: int = 64) -> np.ndarray:
    """Each training patch's BCE on the tumour and gland channels under the current model (no
    augmentation): what --hard-fraction samples by."""
    model.eval()
    out = np.zeros(len(s))
    for i in range(0, len(s), n):
        xs, y = batch(kind, s, np.arange(i, min(i + n, len(s))))
        logits = model.logits(*[normalise(x) for x in xs])[:, :2]
        out[i:i + len(y)] = F.binary_cross_entropy_with_logits(logits, y[:, :2], reduction='none').mean((1, 2, 3)).numpy()
    model.train()
    return out


def card_v2(card: dict, *, kind: str, training: dict, metrics: dict | None, geometry: dict,
            channels: list[dict] = CHANNELS) -> dict:
    card = dict(card)
    card['schemaVersion'] = 2
    for i in card['inputs']:
        i['normalization'] = {'kind': 'meanStd', **i['normalization']}
    out = card['output']
    card['output'] = {'name': out['name'], 'size': out['size'], 'mpp': out['mpp'], 'channels': channels,
                      'tumourChannel': 'tumour', 'activation': 'sigmoid', 'applyActivation': False}
    card['training'] = {'data': DATA, 'dataset': 'glas', 'tissue': 'colorectal glands, H&E', 'magnification': '20x',
                        'slideMpp': 0.62, **training}
    card['metrics'] = metrics
    card['intendedUse'] = INTENDED_USE
    card['tissueDetection'] = 'off'  # GlaS images are tissue edge to edge
    card['description'] = {
        'unet': f"U-Net on {geometry['targetSize']} px at {geometry['targetMpp']} um/px; GlaS colon glands.",
        'unet-context': f"U-Net on {geometry['contextSize']} px at {geometry['contextMpp']} um/px (the MRN's context "
                        'resolution); GlaS colon glands.',
        'mrn-bilinear': 'MRN (bilinear upsampling): target patch plus a context patch of '
                        f"{geometry['contextSize'] * geometry['contextMpp'] / (geometry['targetSize'] * geometry['targetMpp']):g}x "
                        'the field of view, same centre; GlaS colon glands.',
        'mrn-transposed': 'MRN (transposed-conv upsampling), as mrn-bilinear otherwise; GlaS colon glands.',
    }[kind]
    return card


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--model', required=True, choices=KINDS)
    ap.add_argument('--shards', required=True, help='DIR with train/ (and val/) from extract-glas.ts')
    ap.add_argument('--steps', type=int, default=1500)
    ap.add_argument('--batch', type=int, default=16)
    ap.add_argument('--seed', type=int, default=0)
    ap.add_argument('--out', required=True)
    ap.add_argument('--width', type=int, default=16)
    ap.add_argument('--lr', type=float, default=1e-3)
    ap.add_argument('--weight-decay', type=float, default=1e-5)
    ap.add_argument('--threads', type=int, default=2)
    ap.add_argument('--context-aux', type=float, default=0.5, help='MRN: weight of the context deep supervision')
    ap.add_argument('--border-weight', type=float, default=1.0,
                    help='border channel: weight of its positive pixels in the BCE (borders are ~5 %% of pixels)')
    ap.add_argument('--dice-weight', type=float, default=0.0,
                    help='add this weight times a soft-Dice loss on the gland channel (pooled over the batch) to its BCE')
    ap.add_argument('--export-batch', type=int, default=8)
    ap.add_argument('--name')
    ap.add_argument('--test-model', action='store_true')
    ap.add_argument('--val-every', type=int, default=0,
                    help='print the validation IoUs every N steps (the budget curve); 0: only at the end')
    ap.add_argument('--save-at', help='also save and export the model at these steps (comma-separated) as OUT-STEP')
    ap.add_argument('--hard-fraction', type=float, default=0.0,
                    help='this share of each batch is drawn with probability proportional to the patch\'s loss '
                         '(hard examples, rescored every --hard-every steps); the rest uniformly')
    ap.add_argument('--hard-every', type=int, default=500)
    ap.add_argument('--init-from', help='MODEL_DIR: start from a shipped model\'s weights (its TF.js files, '
                    'import_tfjs.py; same kind, width and channels) and train --steps more')
    ap.add_argument('--checkpoint', help='where to save the PyTorch checkpoint (default training/work/checkpoints/<out name>.pt)')
    a = ap.parse_args(argv)

    torch.set_num_threads(a.threads)
    seed_all(a.seed)
    root = Path(a.shards)
    train = GlasShards(root / 'train' if (root / 'train').is_dir() else root)
    val = GlasShards(root / 'val') if (root / 'val').is_dir() else None
    g = train.geometry
    if val and val.border_px != train.border_px:
        raise SystemExit(f'train shards have borderPx {train.border_px}, val shards {val.border_px}')
    channels = channels_of(train)
    model = build(a.model, g, a.width, len(channels))
    prior = None
    if a.init_from:
        # the checkpoints are not kept: the shipped weights are the only copy (import_tfjs.py)
        prior = json.loads((Path(a.init_from) / 'card.json').read_text())
        pg = (prior.get('training') or {}).get('geometry')
        if pg and pg != g:
            raise SystemExit(f'--init-from {a.init_from}: trained at geometry {pg}, the shards have {g}')
        load_weights(model, a.init_from)
        model.train()
    mrn = isinstance(model, MRN)
    aux = mrn and a.context_aux > 0
    opt = torch.optim.Adam(model.parameters(), lr=a.lr, weight_decay=a.weight_decay)
    gen = torch.Generator().manual_seed(a.seed)
    rng = np.random.default_rng(a.seed)
    print(f'{a.model}: {sum(p.numel() for p in model.parameters())} params, {len(train)} train pairs, '
          f'{len(val) if val else 0} val, geometry {g}', flush=True)
    hard = {'p': None}

    def rescore():
        w = patch_losses(model, a.model, train)
        hard['p'] = w / w.sum()
        print(f'hard examples: patch loss median {np.median(w):.4f}, 90th percentile {np.percentile(w, 90):.4f}', flush=True)

    if a.hard_fraction > 0:
        rescore()

    def draw():
        n_hard = round(a.hard_fraction * a.batch)
        idx = rng.integers(0, len(train), a.batch)
        if n_hard:
            idx[:n_hard] = rng.choice(len(train), n_hard, p=hard['p'])
        xs, y = batch(a.model, train, idx)
        return xs, y, mask_channels(train.context_mask[idx], bool(train.border_px)) if aux else None

    curve = []
    save_at = sorted({int(x) for x in (a.save_at or '').split(',') if x}) if a.save_at else []
    out = Path(a.out)
    ckpt = Path(a.checkpoint) if a.checkpoint else Path('training/work/checkpoints') / f'{out.name}.pt'
    t0 = time.time()

    def schedule(pt: dict, step: int) -> list:
        """Every phase of a continued run, oldest first: the start model's own schedule (or what its
        card says of its phases), then this one."""
        if 'schedule' in pt:
            phases = list(pt['schedule'])
        elif pt.get('continuedFrom'):
            cf = pt['continuedFrom']  # a continued card from before schedules: its last phase only
            phases = [{'steps': cf['steps'], 'seed': (cf.get('seeds') or {}).get('train')},
                      {'steps': cf['moreSteps'], 'lr': cf['lr'], 'seed': (pt.get('seeds') or {}).get('train')}]
        else:
            lr = re.search(r'lr=([0-9.eE+-]+)', pt.get('optimizer', ''))
            phases = [{'steps': int(pt.get('steps', 0)), 'lr': float(lr.group(1)) if lr else None,
                       'seed': (pt.get('seeds') or {}).get('train')}]
        return phases + [{'steps': step, 'lr': a.lr, 'seed': a.seed}]

    def save(step: int, seconds: float, out: Path, ckpt: Path):
        metrics = evaluate(model, a.model, val) if val else None
        print(f'val@{step}: {metrics}', flush=True)
        pt = (prior or {}).get('training') or {}
        before = int(pt.get('steps', 0))
        training = {
            'generator': 'glas', 'seeds': {'train': a.seed, 'data': train.manifest.get('seed')}, 'steps': before + step,
            'batch': a.batch, 'patchesSeen': int(pt.get('patchesSeen', 0)) + step * a.batch,
            'seconds': round(float(pt.get('seconds', 0)) + seconds, 1), 'device': 'cpu',
            # a continued run: the model it started from and its own part of the steps
            **({'continuedFrom': {'id': prior.get('id'), 'steps': before, 'moreSteps': step, 'lr': a.lr,
                                  'seeds': pt.get('seeds')},
                 'schedule': schedule(pt, step)} if prior else {}),
            'trainPatches': len(train), 'valPatients': train.manifest.get('valPatients'),
            'edge': train.manifest.get('edge', 'pad'), 'geometry': g,
            **({'borderPx': train.border_px} if train.border_px else {}),
            'optimizer': f'Adam(lr={a.lr}, weight_decay={a.weight_decay}), BCE on '
                         + ' and '.join([', '.join(c['name'] for c in channels[:-1]), channels[-1]['name']])
                         + (f' (border positives weighted {a.border_weight:g})' if train.border_px and a.border_weight != 1 else '')
                         + (f', plus {a.dice_weight:g} x soft Dice on gland' if a.dice_weight > 0 else ''),
            'augmentation': AUGMENTATION, **({'contextDeepSupervision': a.context_aux} if aux else {}),
            **({'diceWeight': a.dice_weight} if a.dice_weight > 0 else {}),
            **({'hardExamples': {'fraction': a.hard_fraction, 'rescoreEvery': a.hard_every}} if a.hard_fraction > 0 else {}),
            **({'valCurve': list(curve)} if curve else {}),
        }
        ckpt.parent.mkdir(parents=True, exist_ok=True)
        torch.save({'model': a.model, 'geometry': g, 'width': a.width, 'state_dict': model.state_dict(),
                    'training': training, 'metrics': metrics}, ckpt)
        # parity inputs: the closed-form sinusoid (never GlaS pixels: parity.json is committed)
        export_model(model, out, name=a.name or out.name, batch=a.export_batch, training=training, metrics=metrics,
                     test_model=a.test_model,
                     card_transform=lambda c: card_v2(c, kind=a.model, training=training, metrics=metrics, geometry=g,
                                                      channels=channels))
        model.train()
        print(f'exported {out} ({sum(f.stat().st_size for f in out.iterdir()) / 1e6:.1f} MB)', flush=True)

    def after_step(step: int):
        # evaluation and export draw no random numbers, so neither changes the training: the model
        # saved at step N of a run is the model of an N-step run (constant learning rate)
        if val and a.val_every and step % a.val_every == 0 and step < a.steps:
            m = evaluate(model, a.model, val)
            curve.append({'step': step, **{k: m[k] for k in ('tumourIoU', 'glandIoU', 'borderIoU') if k in m}})
            print(f'val@{step}: tumour IoU {m["tumourIoU"]:.4f} gland IoU {m["glandIoU"]:.4f}', flush=True)
        if a.hard_fraction > 0 and step % a.hard_every == 0 and step < a.steps:
            rescore()
        if step in save_at and step < a.steps:
            save(step, time.time() - t0, out.with_name(f'{out.name}-{step}'),
                 ckpt.with_name(f'{ckpt.stem}-{step}{ckpt.suffix}'))

    pos_weight = [1.0, 1.0, a.border_weight] if train.border_px else None
    seconds = train_loop(model, opt, steps=a.steps, draw=draw, context_aux=a.context_aux, gen=gen,
                         after_step=after_step, pos_weight=pos_weight,
                         dice={CHANNEL_INDEX['gland']: a.dice_weight} if a.dice_weight > 0 else None)
    save(a.steps, seconds, out, ckpt)


if __name__ == '__main__':
    main()
