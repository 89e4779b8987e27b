#!/usr/bin/env bash
# Reproduces the shipped models: synthetic slides → patch-pair shards → four trainings → models/<id>/.
# Half the patch centres are pixel-aligned as inference places them (extract-patches --aligned-fraction).
# Usage: bash training/train-all.sh [STEPS]   (default 1500 steps of 16 pairs per model, seed 0)
set -euo pipefail
cd "$(dirname "$0")/.."
STEPS=${1:-1500}
W=training/work
npx tsx scripts/make-synthetic-slides.ts --seed 1000 --count 12 --size-mm 4 --out $W/slides/train
npx tsx scripts/make-synthetic-slides.ts --seed 2000 --count 3 --size-mm 4 --out $W/slides/val
[ -f $W/shards/train/manifest.json ] || npx tsx scripts/extract-patches.ts --slides $W/slides/train --out $W/shards/train --per-slide 1024 --seed 1
[ -f $W/shards/val/manifest.json ] || npx tsx scripts/extract-patches.ts --slides $W/slides/val --out $W/shards/val --per-slide 512 --seed 2
for kind in unet mrn-bilinear mrn-transposed unet-context; do
  # MRNs add deep supervision of their context encoder (see training/mrn.py)
  aux=(); [[ $kind == mrn-* ]] && aux=(--context-aux 0.5)
  python3 -m training.train --model "$kind" --shards $W/shards --steps "$STEPS" --batch 16 --seed 0 \
    --name "$kind" --out "models/$kind" "${aux[@]}"
done
