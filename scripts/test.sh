#!/usr/bin/env bash
# Runs every check: lint, typecheck, the Vitest suites of the whole workspace, then the
# Playwright end-to-end tests (e2e/).
# Runs all stages even after a failure, then prints "N passed, N failed" last
# (lint and typecheck count as one test each) and exits non-zero if anything failed.
set -uo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

if ! bash scripts/setup.sh; then
  echo "setup failed; nothing was tested"
  echo "0 passed, 1 failed"
  exit 1
fi

results=.cache/test-results
rm -rf "$results"
mkdir -p "$results"

# run_stage NAME REPORT COMMAND...: runs COMMAND, then records its exit code in
# $results/<n>-NAME.stage.json (n numbers the stages in the order they ran).
# REPORT names the JSON report COMMAND writes in $results, counted test by test
# (scripts/summarise-tests.mjs reads Vitest and Playwright reports), or is ""
# when the whole stage counts as one test.
stage_count=0
run_stage() {
  local name="$1" report="$2"
  stage_count=$((stage_count + 1))
  shift 2
  echo "==> $name: $*"
  local code=0
  "$@" || code=$?
  printf '{"kind":"stage","name":"%s","exitCode":%d,"report":"%s"}\n' \
    "$name" "$code" "$report" >"$results/$(printf '%02d' "$stage_count")-$name.stage.json"
  echo
}

run_stage lint "" pnpm lint
run_stage typecheck "" pnpm typecheck
run_stage vitest vitest.json pnpm vitest run --reporter=default --reporter=json \
  --outputFile="$results/vitest.json"
# Playwright against the real edge and the built page (its global setup builds the
# page when stale and starts the edge); the JSON report goes beside Vitest's.
run_stage e2e playwright.json env PLAYWRIGHT_JSON_OUTPUT_NAME="$PWD/$results/playwright.json" \
  pnpm e2e --reporter=list,json

node scripts/summarise-tests.mjs "$results"
