#!/usr/bin/env bash
# CI smoke test of the GlaS pipeline (no real training): four GlaS images from ../shared/glas →
# 3-class patch pairs through the app's reader → 3 training steps of the U-Net and the MRN (the MRN's
# shards carry gland-border labels, so it has a third, "border" channel) →
# TF.js export with schema-2 cards (tumour + gland (+ border) channels, tissue detection off) → parity of the
# exported graphs in Node tfjs against PyTorch (sinusoid-v1 inputs: never GlaS pixels) → the seed table
# (its unit test, then on the smoke checkpoints) → training continued from an exported model
# (--init-from) → the GlaS models imported back (training/import_tfjs.py) and the MRN exported at a
# 128 px tile (export_tiles.py) → parity (the tile too) → the eval
# CLI on two images (and on the 128 px tile) (one JSON document last on stdout), a validation sweep (one image) whose chosen
# settings score two part-A images (--settings), the maps dumped for training/glas_instance_variants.py
# (whose copy of the instance rule must give the CLI's detections), and its clear errors on a broken folder.
# Everything goes to a temp dir. Skips when ../shared/glas is absent.
# Usage: bash training/glas-smoke.sh   (about a minute on 2 cores)
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
GLAS=${GLAS_DIR:-$ROOT/../shared/glas}
if [ ! -d "$GLAS/train" ]; then echo "glas smoke: skipped ($GLAS absent)"; exit 0; fi
T=$(mktemp -d "${TMPDIR:-/tmp}/mrn-glas-smoke.XXXXXX")
trap 'rm -rf "$T"' EXIT
t0=$SECONDS
step() { echo "-- glas smoke [$((SECONDS - t0))s] $*"; }
fail() { echo "glas smoke FAILED: $*" >&2; exit 1; }

step 'patch pairs (4 images)'
# reflected edges (the cards then say so, and the eval reads as they were trained; the sweep below pads)
# the MRN's shards also carry the border bit (--border-px): same centres, so the same pixels
for b in 0 4; do
  npx tsx scripts/glas/extract-glas.ts --data "$GLAS/train" --split train --limit 3 --per-image 16 --size 64 --edge reflect --border-px $b --out "$T/shards-$b/train"
  npx tsx scripts/glas/extract-glas.ts --data "$GLAS/train" --split val --limit 1 --per-image 16 --size 64 --edge reflect --border-px $b --out "$T/shards-$b/val"
done
cmp -s "$T/shards-0/train/shard-000.json" "$T/shards-4/train/shard-000.json" || fail 'the border bit moved the centres'

step 'train + export (3 steps each)'
for kind in unet mrn-bilinear; do
  b=0; w=1; [ "$kind" = mrn-bilinear ] && b=4 && w=8
  (cd "$T" && PYTHONPATH="$ROOT" python3 -m training.glas_train --model "$kind" --shards "$T/shards-$b" --steps 3 --border-weight $w \
    --batch 4 --width 4 --out "$T/models/glas-$kind" --checkpoint "$T/$kind.pt" --test-model >/dev/null)
  for f in model.json group1-shard1of1.bin card.json parity.json; do
    [ -s "$T/models/glas-$kind/$f" ] || fail "glas-$kind/$f missing"
  done
  python3 - "$T/models/glas-$kind/card.json" "$b" <<'PY' || fail "glas-$kind card"
import json, sys
c = json.load(open(sys.argv[1]))
want = ['tumour', 'gland'] + (['border'] if sys.argv[2] != '0' else [])
assert c['schemaVersion'] == 2 and [x['name'] for x in c['output']['channels']] == want, c['output']
assert c['training'].get('borderPx', 0) == int(sys.argv[2]), c['training'].get('borderPx')
assert ('border positives weighted 8' in c['training']['optimizer']) == (sys.argv[2] != '0'), c['training']['optimizer']
assert c['output']['tumourChannel'] == 'tumour' and c['tissueDetection'] == 'off'
assert c['training']['edge'] == 'reflect', c['training'].get('edge')
assert 'GlaS' in c['training']['data'] and 'not for diagnosis' in c['intendedUse']
p = json.load(open(sys.argv[1].replace('card.json', 'parity.json')))
assert p['generator'] == 'sinusoid-v1' and all('data' not in i for i in p['inputs']), 'parity inputs must be synthetic'
PY
done

step 'continued training (--init-from): 0 steps re-export the weights, 2 more count on'
# the 2 more steps draw half of each batch as hard examples (rescored after step 1)
for n in 0 2; do
  hard=(); [ $n = 2 ] && hard=(--hard-fraction 0.5 --hard-every 1)
  (cd "$T" && PYTHONPATH="$ROOT" python3 -m training.glas_train --model mrn-bilinear --shards "$T/shards-4" --steps $n --border-weight 8 \
    --batch 4 --width 4 "${hard[@]}" --init-from "$T/models/glas-mrn-bilinear" --out "$T/more/glas-mrn-c$n" --checkpoint "$T/c$n.pt" --test-model >"$T/c$n.log")
done
[ "$(grep -c '^hard examples' "$T/c2.log")" = 2 ] || { cat "$T/c2.log"; fail 'hard examples not scored at the start and after step 1'; }
cmp -s "$T/models/glas-mrn-bilinear/group1-shard1of1.bin" "$T/more/glas-mrn-c0/group1-shard1of1.bin" || fail '--init-from did not start from the weights'
cmp -s "$T/models/glas-mrn-bilinear/group1-shard1of1.bin" "$T/more/glas-mrn-c2/group1-shard1of1.bin" && fail '2 more steps changed nothing'
python3 - "$T/more/glas-mrn-c2/card.json" <<'PY' || fail 'continued card'
import json, sys
t = json.load(open(sys.argv[1]))['training']
assert t['steps'] == 5 and t['patchesSeen'] == 20, (t['steps'], t['patchesSeen'])
assert t['continuedFrom']['id'] == 'glas-mrn-bilinear' and t['continuedFrom']['steps'] == 3 and t['continuedFrom']['moreSteps'] == 2, t['continuedFrom']
assert [p['steps'] for p in t['schedule']] == [3, 2] and t['schedule'][0]['lr'] == 1e-3, t['schedule']
assert t['hardExamples'] == {'fraction': 0.5, 'rescoreEvery': 1}, t.get('hardExamples')
PY
# continued again, with a soft-Dice term on the gland channel: the schedule carries every phase
(cd "$T" && PYTHONPATH="$ROOT" python3 -m training.glas_train --model mrn-bilinear --shards "$T/shards-4" --steps 1 --border-weight 8 \
  --batch 4 --width 4 --lr 1e-4 --seed 7 --dice-weight 1 --init-from "$T/more/glas-mrn-c2" --out "$T/more/glas-mrn-c3" --checkpoint "$T/c3.pt" --test-model >/dev/null)
python3 - "$T/more/glas-mrn-c3/card.json" <<'PY' || fail 'schedule of a run continued twice'
import json, sys
t = json.load(open(sys.argv[1]))['training']
assert t['steps'] == 6 and [p['steps'] for p in t['schedule']] == [3, 2, 1], t
assert t['schedule'][-1] == {'steps': 1, 'lr': 1e-4, 'seed': 7}, t['schedule']
assert t['diceWeight'] == 1 and 'soft Dice on gland' in t['optimizer'], t['optimizer']
PY
PYTHONPATH="$ROOT" python3 - <<'PY' || fail 'soft Dice loss'
import torch
from training.train_loop import soft_dice_loss
y = torch.zeros(2, 8, 8); y[:, 2:6, 2:6] = 1
assert soft_dice_loss(40 * (2 * y - 1), y).item() < 1e-3  # right and sure: no loss
assert soft_dice_loss(-40 * (2 * y - 1), y).item() > 0.99  # wrong and sure: all of it
half = y.clone(); half[:, 2:6, 4:6] = 0  # half of the object covered: Dice 2/3
assert abs(soft_dice_loss(40 * (2 * half - 1), y).item() - 1 / 3) < 0.01
PY

step 'seed table (unit test, then the smoke checkpoints on the val shards)'
python3 -m training.glas_seed_table_test >"$T/seed-table-test.log" 2>&1 || { cat "$T/seed-table-test.log"; fail 'glas_seed_table_test'; }
python3 -m training.glas_seed_table --val "$T/shards-0/val" --a "$T/unet.pt" --b "$T/mrn-bilinear.pt" --resamples 20 \
  | python3 -c "
import json, sys
d = json.load(sys.stdin)
assert d['images'] == 1 and d['a']['model'] == 'unet' and d['b']['model'] == 'mrn-bilinear', d
for k in ('tumourIoU', 'glandIoU', 'gradeAccuracy'):
    assert 0 <= d['a'][k]['mean'] <= 1 and len(d['difference'][k]['ci95']) == 2, (k, d)
" || fail 'seed table'

step 'GlaS models import back into PyTorch (re-export byte for byte); the MRN exported at a 128 px tile'
python3 -m training.import_tfjs "$T/models/glas-unet" "$T/models/glas-mrn-bilinear" | python3 -c "
import json, sys
rows = [json.loads(l) for l in sys.stdin if l.startswith('{')]
assert len(rows) == 2 and all(r['reexportIdentical'] and r['parityMaxAbsError'] < 1e-5 for r in rows), rows
" || fail 'import_tfjs on the GlaS models'
python3 -m training.export_tiles "$T/models/glas-mrn-bilinear" --sizes 128:1 >/dev/null || fail 'export_tiles'

step 'parity (Node tfjs vs PyTorch; the 128 px tile too)'
MRN_PARITY_DIRS="$T/models" MRN_PARITY_ONLY=1 npx vitest run src/inference/model-loader.parity.test.ts \
  >"$T/parity.log" 2>&1 || { cat "$T/parity.log"; fail 'parity'; }
for m in 'glas-unet (' 'glas-mrn-bilinear (' 'glas-mrn-bilinear @128 ('; do
  grep -qF "parity cpu $m" "$T/parity.log" || { cat "$T/parity.log"; fail "parity did not run $m"; }
done

step 'eval CLI (2 images)'
npx tsx scripts/glas/eval-glas.ts --data "$GLAS/testA" --limit 2 --models-dir "$T/models" --models glas-unet,glas-mrn-bilinear \
  --bootstrap 50 >"$T/eval.out" 2>"$T/eval.log" || { cat "$T/eval.log"; fail 'eval'; }
tail -n 1 "$T/eval.out" | python3 -c "
import json, sys
d = json.load(sys.stdin)
ids = sorted(m['id'] for m in d['models'])
assert ids == ['glas-mrn-bilinear', 'glas-unet'], ids
for m in d['models']:
    for k in ('f1', 'objDice', 'objHausdorff', 'glandDice', 'tumourIoU', 'gradeAccuracy'):
        assert isinstance(m[k], (int, float)), (k, m)
    assert m['edge'] == 'reflect', m['edge']
    assert m['flips'] == 1, m['flips']
    assert m.get('borderChannel') == ('border' if m['id'] == 'glas-mrn-bilinear' else None), m['id']
    assert ('borderThreshold' in m['instances']) == (m['id'] == 'glas-mrn-bilinear'), m['instances']
    # every undetected gland in one class of the miss breakdown, by grade
    b = m['misses']
    assert sum(b[g]['tp'] for g in b) == m['detections']['tp'] and sum(b[g]['fp'] for g in b) == m['detections']['fp'], b
    assert sum(b[g][k]['count'] for g in b for k in ('missed', 'merged', 'dropped', 'fragmented')) == m['detections']['fn'], b
" || fail 'eval JSON'

step 'eval CLI on the 128 px tile (1 image), and a tile the card does not list'
npx tsx scripts/glas/eval-glas.ts --data "$GLAS/testA" --limit 1 --models-dir "$T/models" --models glas-mrn-bilinear \
  --tile 128 --bootstrap 0 >"$T/tile.out" 2>"$T/tile.log" || { cat "$T/tile.log"; fail 'eval --tile 128'; }
tail -n 1 "$T/tile.out" | python3 -c "
import json, sys
m = json.load(sys.stdin)['models'][0]
assert m['tile'] == 128 and 0 <= m['glandDice'] <= 1, m
" || fail 'eval --tile JSON'
if npx tsx scripts/glas/eval-glas.ts --data "$GLAS/testA" --limit 1 --models-dir "$T/models" --models glas-unet \
  --tile 128 >"$T/notile.out" 2>"$T/notile.log"; then fail 'eval ran a tile the card does not list'; fi
grep -q 'has no 128 px tile (it offers 64 px)' "$T/notile.log" || { cat "$T/notile.log"; fail 'the error does not name the tiles offered'; }
[ -s "$T/notile.out" ] && fail 'a refused --tile printed JSON'

step 'settings chosen on validation: sweep (1 val image, flip averaging 2), then part A (2 images) with them'
npx tsx scripts/glas/eval-glas.ts --data "$GLAS/train" --split val --sweep --limit 1 --models-dir "$T/models" \
  --models glas-unet,glas-mrn-bilinear --bootstrap 0 --edge pad --flips 2 >"$T/val.json" 2>"$T/val.log" || { cat "$T/val.log"; fail 'sweep'; }
npx tsx scripts/glas/eval-glas.ts --data "$GLAS/testA" --limit 2 --models-dir "$T/models" --models glas-unet,glas-mrn-bilinear \
  --settings "$T/val.json" --bootstrap 0 >"$T/chosen.json" 2>"$T/chosen.log" || { cat "$T/chosen.log"; fail 'eval --settings'; }
python3 - "$T/val.json" "$T/chosen.json" <<'PY' || fail 'settings JSON'
import json, sys
val, test = (json.loads(open(p).read().strip().splitlines()[-1]) for p in sys.argv[1:])
assert val['split'] == 'val' and test['instances'] == 'chosen on validation', (val['split'], test['instances'])
chosen = {m['id']: m['chosen'] for m in val['models']}
for m in val['models']:
    # the border model sweeps its own grid (border thresholds, and the erosion without them);
    # both grids try every setting with and without the holes filled
    grid = 546 if m['id'] == 'glas-mrn-bilinear' else 210
    assert len(m['sweep']) == grid and len(m['gradeSweep']) == 10, (m['id'], len(m['sweep']))
    assert sum(1 for s in m['sweep'] if s.get('fillHoles')) == grid // 2, m['id']
    assert m['edge'] == 'pad', m['edge']
    assert m['flips'] == 2 and m['chosen']['flips'] == 2, m['id']
for m in test['models']:
    c = chosen[m['id']]
    assert m['instances'] == c['instances'] and m['gradeShareThreshold'] == c['gradeFraction'], (m['id'], c)
    # the flip averaging the sweep ran with comes with its settings
    assert m['flips'] == 2, (m['id'], m['flips'])
    assert m['settingsFrom'].endswith('val.json')
PY

step 'maps dumped (--dump-maps) and the instance-variants script: its copy of the rule reproduces the CLI F1'
npx tsx scripts/glas/eval-glas.ts --data "$GLAS/train" --split val --limit 1 --models-dir "$T/models" --models glas-mrn-bilinear \
  --settings "$T/val.json" --bootstrap 0 --dump-maps "$T/maps" >"$T/dump.json" 2>"$T/dump.log" || { cat "$T/dump.log"; fail 'eval --dump-maps'; }
python3 -m training.glas_instance_variants --maps "$T/maps/glas-mrn-bilinear" --data "$GLAS/train" --settings "$T/val.json" \
  --reference-only 2>"$T/variants.log" | tail -n 1 >"$T/variants.json" || { cat "$T/variants.log"; fail 'glas_instance_variants'; }
python3 - "$T/dump.json" "$T/variants.json" <<'PY' || fail 'the variants script does not reproduce the CLI'
import json, sys
cli = json.loads(open(sys.argv[1]).read().strip().splitlines()[-1])['models'][0]
ref = json.loads(open(sys.argv[2]).read())['reference']
assert ref['settings'] == cli['instances'], (ref['settings'], cli['instances'])
assert (ref['tp'], ref['fp'], ref['fn']) == (cli['detections']['tp'], cli['detections']['fp'], cli['detections']['fn']), (ref, cli['detections'])
PY

step 'bad folder: a missing mask is named'
mkdir -p "$T/bad/img" "$T/bad/mask"
cp "$GLAS/testA/img/testA_1.png" "$T/bad/img/"
printf 'name,patient_id,grade_glas\ntestA_1,4,benign\n' >"$T/bad/Grade.csv"
if npx tsx scripts/glas/eval-glas.ts --data "$T/bad" --models-dir "$T/models" --models glas-unet 2>"$T/bad.log"; then
  fail 'eval accepted a folder without masks'
fi
grep -q 'testA_1.png: missing' "$T/bad.log" || { cat "$T/bad.log"; fail 'the error does not name the mask'; }
step 'ok'
