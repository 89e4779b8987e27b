#!/usr/bin/env bash
# The one test command: lint, dependency rules, typecheck, unit tests, Python pipeline smoke tests, e2e.
set -euo pipefail
cd "$(dirname "$0")/.."
# Fail up front, in one line, where the Python side is missing (the smoke test needs it).
if ! bash scripts/install-python.sh --check; then
  echo 'npm test: the Python side (PyTorch, numpy, tifffile, scikit-image, shapely) is missing; run: bash scripts/install-python.sh' >&2
  exit 1
fi
echo '== lint'; npx biome check src e2e scripts bench
echo '== dependency rules'; npm run --silent lint:deps
echo '== typecheck'; npx tsc -p tsconfig.json --noEmit
echo '== unit'; npx vitest run
if [ -f training/smoke.sh ]; then echo '== training smoke'; bash training/smoke.sh; fi
if [ -f training/glas-smoke.sh ]; then echo '== GlaS smoke'; bash training/glas-smoke.sh; fi
if ls e2e/*.spec.ts >/dev/null 2>&1; then echo '== e2e'; npx playwright test; fi
