#!/usr/bin/env bash
# GlaS: extraction (patient-wise train/val split of the 85 training images; 96 px at 1.24 um/px,
# context 2x at 2.48 um/px, pad edges) and the trainings of models/README.md's GlaS section, niced,
# one torch thread each. Usage:
#   bash training/glas-train-all.sh shipped [GLAS_DIR]  # models/glas-{unet,mrn-bilinear,mrn-transposed}: 1,500 steps x 16, seed 0
#   bash training/glas-train-all.sh seeds [GLAS_DIR]    # seeds 1-3 of U-Net, MRN-bilinear and the U-Net at the context mpp,
#                                                       # 300 steps x 8, into $W/models and $W/ckpt (for glas_seed_table / eval:glas)
set -euo pipefail
MODE=${1:-shipped}
GLAS=${2:-../shared/glas}
W=training/work/glas/s96
[ -s $W/train/manifest.json ] ||
  npx tsx scripts/glas/extract-glas.ts --data "$GLAS/train" --split train --per-image 96 --size 96 --seed 1 --out $W/train
[ -s $W/val/manifest.json ] ||
  npx tsx scripts/glas/extract-glas.ts --data "$GLAS/train" --split val --per-image 48 --size 96 --seed 2 --out $W/val
train() { OMP_NUM_THREADS=1 nice -n 10 python3 -m training.glas_train --shards $W --width 8 --threads 1 --context-aux 0.5 "$@"; }
case "$MODE" in
  shipped)
    for k in unet mrn-bilinear mrn-transposed; do
      train --model $k --steps 1500 --batch 16 --seed 0 --out models/glas-$k
    done ;;
  seeds)
    mkdir -p $W/logs
    for s in 1 2 3; do for k in unet mrn-bilinear unet-context; do
      train --model $k --steps 300 --batch 8 --seed $s --out $W/models/glas-$k-s$s --checkpoint $W/ckpt/glas-$k-s$s.pt \
        >$W/logs/$k-s$s.log 2>&1 &
    done; done
    wait ;;
  *) echo "usage: $0 shipped|seeds [GLAS_DIR]" >&2; exit 2 ;;
esac
