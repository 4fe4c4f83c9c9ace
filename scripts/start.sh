#!/usr/bin/env bash
# Sets the machine up, then runs the edge server (apps/edge) in the foreground.
# Same server as `pnpm start`, but run by node itself, without pnpm and tsx's process in
# between: on Ctrl+C the whole process group gets SIGINT, and pnpm then reports
# "Command failed" (exit 130) even though the server closed cleanly and exited 0.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
bash scripts/setup.sh
exec node --import tsx apps/edge/src/server.ts
