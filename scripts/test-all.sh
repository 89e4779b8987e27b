#!/usr/bin/env bash
# The one test command: lint, dependency rules, typecheck, unit tests, Python pipeline smoke tests, e2e.
set -euo pipefail
cd "$(dirname "$0")/.."
# Fail up front, in one line, where the Python side is missing (the smoke test needs it).
if ! bash scripts/install-python.sh --check; then
  echo 'npm test: the Python side (PyTorch, numpy, tifffile, scikit-image, shapely) is missing; run: bash scripts/install-python.sh' >&2
  exit 1
fi
# Each stage prints its wall time, so CI's log shows where the minutes go.
stage() { local name=$1; shift; echo "== $name"; local t0=$SECONDS; "$@"; echo "== $name: $((SECONDS - t0)) s"; }
stage lint npx biome check src e2e scripts bench
stage 'dependency rules' npm run --silent lint:deps
stage typecheck npx tsc -p tsconfig.json --noEmit
stage unit npx vitest run
if [ -f training/smoke.sh ]; then stage 'training smoke' bash training/smoke.sh; fi
if [ -f training/glas-smoke.sh ]; then stage 'GlaS smoke' bash training/glas-smoke.sh; fi
if ls e2e/*.spec.ts >/dev/null 2>&1; then stage e2e npx playwright test; fi
