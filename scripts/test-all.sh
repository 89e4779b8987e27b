#!/usr/bin/env bash
# The one test command: lint, typecheck, unit tests, Python pipeline smoke tests, e2e.
set -euo pipefail
cd "$(dirname "$0")/.."
echo '== lint'; npx biome check src e2e scripts bench
echo '== typecheck'; npx tsc -p tsconfig.json --noEmit
echo '== unit'; npx vitest run
if [ -f training/smoke.sh ]; then echo '== training smoke'; bash training/smoke.sh; fi
if ls e2e/*.spec.ts >/dev/null 2>&1; then echo '== e2e'; npx playwright test; fi
