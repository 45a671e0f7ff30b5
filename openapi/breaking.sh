#!/usr/bin/env bash
# Breaking-change check: compares openapi/openapi-3.0.yaml with the document
# of the previous commit using oasdiff. A breaking change fails the check
# unless the commit message says "BREAKING:" with a reason.
set -euo pipefail
cd "$(dirname "$0")/.."
doc=openapi/openapi-3.0.yaml
if ! git rev-parse -q --verify HEAD~1 >/dev/null; then
  echo "breaking-change check: no previous commit; nothing to compare"
  exit 0
fi
base=$(mktemp --suffix=.yaml)
trap 'rm -f "$base"' EXIT
if ! git show "HEAD~1:$doc" >"$base" 2>/dev/null; then
  echo "breaking-change check: the previous commit has no $doc; nothing to compare"
  exit 0
fi
if go run github.com/oasdiff/oasdiff@v1.37.0 breaking "$base" "$doc" --fail-on ERR; then
  echo "breaking-change check: no breaking change against the previous commit"
  exit 0
fi
if git log -1 --format=%B | grep -q 'BREAKING:'; then
  echo "breaking-change check: breaking changes above are declared in the commit message (BREAKING:)"
  exit 0
fi
echo "breaking-change check: the API changed in a breaking way; make it compatible, or say BREAKING: <reason> in the commit message"
exit 1
