#!/usr/bin/env bash
# Sets the machine up, then runs `edgent serve` (the edge server with the shipped model) in the
# foreground; extra arguments go to it (e.g. --port 9000). Run by node itself, without pnpm in
# between: on Ctrl+C the whole process group gets SIGINT, and pnpm then reports
# "Command failed" (exit 130) even though the server closed cleanly and exited 0.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
bash scripts/setup.sh
# The page: built when missing or older than its sources (or the packages it bundles).
page=apps/web/dist/index.html
if [[ ! -f "$page" ]] || [[ -n "$(find apps/web/src apps/web/index.html packages/*/src -newer "$page" -print -quit)" ]]; then
  echo "start: building the page (apps/web)"
  pnpm --filter @edgent/web build >/dev/null
fi
exec node apps/cli/bin/edgent.js serve "$@"
