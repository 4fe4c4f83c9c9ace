#!/usr/bin/env bash
# Brings the machine to what the project needs: pnpm, Debian packages, node_modules.
# Idempotent and quiet: prints one line per step it actually performs.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

PNPM_VERSION=12.4.2
# Debian packages the project needs; add new ones here.
APT_PACKAGES=(dataset-fashion-mnist chromium)

if [[ "$(pnpm --version 2>/dev/null || true)" != "$PNPM_VERSION" ]]; then
  echo "setup: installing pnpm $PNPM_VERSION"
  npm install --global --silent "pnpm@$PNPM_VERSION" >/dev/null
fi

missing=()
for pkg in "${APT_PACKAGES[@]}"; do
  if ! dpkg -s "$pkg" 2>/dev/null | grep -q '^Status: install ok installed'; then
    missing+=("$pkg")
  fi
done
if ((${#missing[@]} > 0)); then
  echo "setup: installing Debian packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# pnpm install is cheap when node_modules matches the lockfile, and then leaves
# node_modules/.modules.yaml untouched; that file's stamp tells whether it did work.
stamp() { stat -c '%y %s' node_modules/.modules.yaml 2>/dev/null || echo none; }
before="$(stamp)"
install_log="$(pnpm install --frozen-lockfile --reporter=append-only 2>&1)" || {
  printf '%s\n' "$install_log" >&2
  exit 1
}
if [[ "$(stamp)" != "$before" ]]; then
  echo "setup: installed node_modules from pnpm-lock.yaml"
fi
