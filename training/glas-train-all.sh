#!/usr/bin/env bash
# GlaS: extraction (patient-wise train/val split of the 85 training images) and the trainings whose
# models ship in models/glas-*/. Usage: bash training/glas-train-all.sh [STEPS] [GLAS_DIR]
set -euo pipefail
STEPS=${1:-600}
GLAS=${2:-../shared/glas}
W=training/work/glas
npx tsx scripts/glas/extract-glas.ts --data "$GLAS/train" --split train --per-image 64 --size 64 --seed 1 --out $W/shards/train
npx tsx scripts/glas/extract-glas.ts --data "$GLAS/train" --split val --per-image 32 --size 64 --seed 2 --out $W/shards/val
python3 -m training.glas_train --model unet --shards $W/shards --steps "$STEPS" --batch 8 --width 8 --seed 0 --out models/glas-unet
python3 -m training.glas_train --model mrn-bilinear --shards $W/shards --steps "$STEPS" --batch 8 --width 8 --seed 0 --context-aux 0.5 --out models/glas-mrn-bilinear
