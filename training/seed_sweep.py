"""Trains each model once per seed with the shipped recipe (train-all.sh: batch 16, MRNs with context
deep supervision 0.5) and collects the validation metrics, to see how far a comparison depends on
the seed. Writes a JSON line per run as it goes, then a summary (mean, sd, min, max of val IoU).

python3 -m training.seed_sweep --shards DIR --models unet,mrn-bilinear --seeds 0,1,2 --steps 1500 \
    --out DIR [--threads 8]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--shards', required=True)
    ap.add_argument('--models', default='unet,mrn-bilinear,mrn-transposed,unet-context')
    ap.add_argument('--seeds', default='0,1,2')
    ap.add_argument('--steps', type=int, default=1500)
    ap.add_argument('--out', required=True, help='runs.jsonl and summary.json go here; models under models/')
    ap.add_argument('--threads', type=int, default=2)
    a = ap.parse_args()
    out = Path(a.out)
    out.mkdir(parents=True, exist_ok=True)
    runs = []
    for seed in [int(s) for s in a.seeds.split(',')]:
        for kind in a.models.split(','):
            aux = ['--context-aux', '0.5'] if kind.startswith('mrn-') else []
            name = f'sweep-{kind}-s{seed}'
            t0 = time.time()
            subprocess.run([sys.executable, '-m', 'training.train', '--model', kind, '--shards', a.shards,
                            '--steps', str(a.steps), '--batch', '16', '--seed', str(seed), '--threads',
                            str(a.threads), '--name', name, '--out', str(out / 'models' / name), *aux],
                           check=True, stdout=subprocess.DEVNULL)
            card = json.loads((out / 'models' / name / 'card.json').read_text())
            run = {'model': kind, 'seed': seed, 'steps': a.steps, 'seconds': round(time.time() - t0, 1),
                   'trainSeconds': card['training']['seconds'], 'device': card['training']['device'],
                   'val': card.get('metrics')}
            runs.append(run)
            with open(out / 'runs.jsonl', 'a') as f:
                f.write(json.dumps(run) + '\n')
            print(json.dumps(run), flush=True)
    summary = {}
    for kind in a.models.split(','):
        ious = [r['val']['iou'] for r in runs if r['model'] == kind and r['val']]
        if ious:
            summary[kind] = {'runs': len(ious), 'iouMean': round(statistics.mean(ious), 4),
                             'iouSd': round(statistics.stdev(ious), 4) if len(ious) > 1 else 0.0,
                             'iouMin': round(min(ious), 4), 'iouMax': round(max(ious), 4)}
    (out / 'summary.json').write_text(json.dumps(summary, indent=1))
    print(json.dumps(summary, indent=1), flush=True)


if __name__ == '__main__':
    main()
