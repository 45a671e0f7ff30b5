#!/usr/bin/env bash
# Lints openapi/openapi.yaml with Spectral (spectral:oas + the OWASP API
# ruleset), installed at the versions pinned in package-lock.json.
set -euo pipefail
cd "$(dirname "$0")"
npm ci --no-audit --no-fund --loglevel=error >/dev/null
out=$(mktemp)
trap 'rm -f "$out"' EXIT
npx --no-install spectral lint --ruleset .spectral.yaml --format json --fail-severity error ../openapi.yaml >"$out" || true
node check.mjs "$out"
