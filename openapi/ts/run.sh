#!/usr/bin/env bash
# Checks the TypeScript client: installs the pinned packages, regenerates the
# types from ../openapi.yaml and fails if they differ from the committed
# schema.d.ts, then type-checks the example with tsc --noEmit.
set -euo pipefail
cd "$(dirname "$0")"
npm ci --no-audit --no-fund --loglevel=error >/dev/null
fresh=$(mktemp --suffix=.d.ts)
trap 'rm -f "$fresh"' EXIT
npx --no-install openapi-typescript ../openapi.yaml --output "$fresh" >/dev/null
if ! diff -q schema.d.ts "$fresh" >/dev/null; then
  diff -u schema.d.ts "$fresh" | head -40
  echo "openapi/ts/schema.d.ts is stale: run (cd openapi/ts && npm run generate)"
  exit 1
fi
npx --no-install tsc --noEmit
echo "typescript client: types current, example type-checks"
