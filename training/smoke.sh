#!/usr/bin/env bash
# CI smoke test of the model pipeline (no real training): one tiny synthetic slide per split →
# patch pairs through the app's reader → a few training steps of every model kind → TF.js export
# → parity of the exported graphs in Node tfjs against PyTorch (≤ 1e-4, fp32), plus bad input:
# a slide without mpp, annotations that do not fit, a failed export leaves no directory behind,
# corrupt/mismatched models fail in the loader (in the parity test); then the shard-subset and
# seed-sweep tools on a few records. Everything goes to a temp dir.
# Usage: bash training/smoke.sh   (about 2 minutes on 2 cores)
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
T=$(mktemp -d "${TMPDIR:-/tmp}/mrn-smoke.XXXXXX")
trap 'rm -rf "$T"' EXIT
t0=$SECONDS
step() { echo "-- smoke [$((SECONDS - t0))s] $*"; }
fail() { echo "smoke FAILED: $*" >&2; exit 1; }

step 'slides'
npx tsx scripts/make-synthetic-slides.ts --seed 1000 --count 1 --size-mm 1.5 --out "$T/slides/train" >/dev/null
npx tsx scripts/make-synthetic-slides.ts --seed 2000 --count 1 --size-mm 1.5 --out "$T/slides/val" >/dev/null

step 'patch pairs'
npx tsx scripts/extract-patches.ts --slides "$T/slides/train" --out "$T/shards/train" --per-slide 256 --seed 1 --shard-size 128
npx tsx scripts/extract-patches.ts --slides "$T/slides/val" --out "$T/shards/val" --per-slide 64 --seed 2

step 'train + export (a few steps each)'
# run from $T so checkpoints (training/work/checkpoints/ relative to the cwd) stay out of the repo
for kind in unet unet-context mrn-transposed mrn-bilinear; do
  aux=(); [[ $kind == mrn-* ]] && aux=(--context-aux 0.5)  # as the shipped MRNs are trained
  (cd "$T" && PYTHONPATH="$ROOT" python3 -m training.train --model "$kind" --shards "$T/shards" --steps 4 \
    --batch 8 --width 8 --seed 0 --test-model --name "smoke $kind" --out "$T/models/smoke-$kind" "${aux[@]}") \
    >"$T/train-$kind.log" 2>&1 || { cat "$T/train-$kind.log"; fail "training $kind"; }
  for f in model.json group1-shard1of1.bin card.json parity.json; do
    [ -s "$T/models/smoke-$kind/$f" ] || fail "smoke-$kind/$f missing"
  done
done
[ ! -e "$ROOT/training/work/checkpoints/smoke-unet.pt" ] || fail 'smoke wrote a checkpoint into the repo'

step 'parity (Node tfjs vs PyTorch) + corrupt/mismatched models'
MRN_PARITY_DIRS="$T/models" MRN_PARITY_ONLY=1 npx vitest run src/inference/model-loader.parity.test.ts \
  >"$T/parity.log" 2>&1 || { cat "$T/parity.log"; fail 'parity'; }
grep -c 'parity .* max |Δ|' "$T/parity.log" | grep -q '^[1-9]' || { cat "$T/parity.log"; fail 'parity ran no models'; }
grep 'parity cpu' "$T/parity.log" || true

step 'bad input: slide without mpp'
node -e "
const sharp = require('sharp');
sharp({ create: { width: 512, height: 512, channels: 3, background: '#d8a0c0' } })
  .tiff({ tile: true, tileWidth: 256, tileHeight: 256, compression: 'jpeg' })
  .toFile(process.argv[1]).catch((e) => { console.error(e); process.exit(1); });
" "$T/nompp.tiff"
if npx tsx scripts/extract-patches.ts --slides "$T/nompp.tiff" --out "$T/nompp-shards" --per-slide 4 \
  >"$T/nompp.log" 2>&1; then
  fail 'a slide without mpp was accepted'
fi
grep -q 'does not record its resolution' "$T/nompp.log" || { cat "$T/nompp.log"; fail 'no clear mpp error'; }

step "bad input: annotations that don't fit"
cat >"$T/far.geojson" <<'EOF'
{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"classification":{"name":"Tumor"}},
 "geometry":{"type":"Polygon","coordinates":[[[90000,90000],[96000,90000],[96000,96000],[90000,90000]]]}}]}
EOF
if npx tsx scripts/extract-patches.ts --slides "$T/slides/train/synth-1000.tiff" --annotations "$T/far.geojson" \
  --out "$T/far-shards" --per-slide 4 >"$T/far.log" 2>&1; then
  fail 'annotations far outside the slide were accepted'
fi
grep -q 'outside the [0-9]*×[0-9]* slide' "$T/far.log" || { cat "$T/far.log"; fail 'no clear annotation-fit error'; }

step 'bad input: a failed export leaves no directory behind'
PYTHONPATH="$ROOT" python3 - "$T" <<'EOF'
import os, sys
from pathlib import Path
import torch
from training import export_tfjs
from training.registry import build_model

t = Path(sys.argv[1])
model = build_model('unet', width=4)
real_dumps = export_tfjs.dumps
def broken(*a, **k):
    raise OSError('simulated disk full')
export_tfjs.dumps = broken  # the shard is already written when model.json fails
for out in (t / 'models' / 'half', t / 'models' / 'smoke-unet'):
    before = sorted(os.listdir(out)) if out.exists() else None
    try:
        export_tfjs.export_model(model, out, test_model=True)
        sys.exit(f'export to {out} did not fail')
    except OSError:
        pass
    after = sorted(os.listdir(out)) if out.exists() else None
    assert after == before, f'{out}: {before} became {after}'
leftovers = [p for p in os.listdir(t / 'models') if p.startswith('.')]
assert not leftovers, f'temporary export directories left behind: {leftovers}'
export_tfjs.dumps = real_dumps
print('no half-written model directory (new and existing targets)')
EOF

step 'shard subset + seed sweep (2 steps, 2 seeds)'
(cd "$T" && PYTHONPATH="$ROOT" python3 -m training.subset_shards --shards "$T/shards" --out "$T/subset" \
  --train 40 --val 16 && PYTHONPATH="$ROOT" python3 -m training.seed_sweep --shards "$T/subset" --models unet \
  --seeds 0,1 --steps 2 --out "$T/sweep") >"$T/sweep.log" 2>&1 || { cat "$T/sweep.log"; fail 'seed sweep'; }
python3 - "$T" <<'EOF'
import json, sys
from pathlib import Path
t = Path(sys.argv[1])
for split, n in (('train', 40), ('val', 16)):
    m = json.loads((t / 'subset' / split / 'manifest.json').read_text())
    assert m['totalRecords'] == n and (t / 'subset' / split / 'shard-000.bin').stat().st_size == n * 32768, m
runs = [json.loads(l) for l in (t / 'sweep' / 'runs.jsonl').read_text().splitlines()]
assert [r['seed'] for r in runs] == [0, 1] and all(0 <= r['val']['iou'] <= 1 for r in runs), runs
summary = json.loads((t / 'sweep' / 'summary.json').read_text())
assert summary['unet']['runs'] == 2, summary
print('subset and sweep ok:', summary['unet'])
EOF

step "done in $((SECONDS - t0)) s"
