#!/usr/bin/env bash
# Type-checks every workspace folder that has a tsconfig.json, one `tsc --noEmit -p` each,
# from the repository root so errors name their full path. Checks all, then fails if any failed.
set -uo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

checked=()
failed=()
for config in apps/*/tsconfig.json packages/*/tsconfig.json bench/tsconfig.json e2e/tsconfig.json; do
  [[ -f "$config" ]] || continue
  dir="${config%/tsconfig.json}"
  checked+=("$dir")
  node_modules/.bin/tsc --noEmit -p "$config" || failed+=("$dir")
done

if ((${#failed[@]} > 0)); then
  echo "typecheck failed in: ${failed[*]} (checked: ${checked[*]})"
  exit 1
fi
echo "typecheck passed: ${checked[*]}"
