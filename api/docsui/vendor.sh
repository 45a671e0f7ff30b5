#!/usr/bin/env bash
# Checks that a folder of vendored files (elements/ by default) holds the
# pinned npm package's own bytes: fetches the package and version named in
# its VERSION with npm pack, checks the tarball's sha512 against the pinned
# integrity, and compares the sha256 of each committed file with the
# tarball's copy. Needs the npm registry. The staff pages' design tokens
# (api/web/static/dads) are checked by the same script.
#
#   vendor.sh [DIR]          check (CI's "vendored assets: drift")
#   vendor.sh [DIR] update   copy the files of the version in DIR/VERSION from
#                            its tarball and pin that tarball's integrity (to
#                            bump: edit version= first, then run this and the
#                            tests)
set -euo pipefail
dir="$(cd "$(dirname "$0")" && pwd)/elements"
if [ -n "${1:-}" ] && [ "$1" != update ]; then
  dir="$(cd "$1" && pwd)"
  shift
fi
cd "$dir"

field() { sed -n "s/^$1=//p" VERSION; }
pkg=$(field package) version=$(field version) pinned=$(field integrity) files=$(field files)
[ -n "$pkg" ] && [ -n "$version" ] && [ -n "$files" ] || { echo "$dir/VERSION lacks package=, version= or files=" >&2; exit 1; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
if ! (cd "$tmp" && npm pack --silent --pack-destination . "$pkg@$version" >/dev/null); then
  echo "npm pack $pkg@$version failed: is the npm registry reachable?" >&2
  exit 1
fi
tarball=$(ls "$tmp"/*.tgz)
integrity="sha512-$(openssl dgst -sha512 -binary "$tarball" | base64 -w0)"
tar -xzf "$tarball" -C "$tmp"

if [ "${1:-}" = update ]; then
  for f in $files; do cp "$tmp/package/$f" "$f"; done
  sed -i "s|^integrity=.*|integrity=$integrity|" VERSION
  echo "vendored $pkg@$version ($integrity)"
  exit 0
fi

if [ "$integrity" != "$pinned" ]; then
  echo "$pkg@$version from the registry is $integrity, but $dir/VERSION pins $pinned" >&2
  exit 1
fi
bad=0
for f in $files; do
  want=$(sha256sum <"$tmp/package/$f" | cut -d' ' -f1)
  got=$(sha256sum <"$f" 2>/dev/null | cut -d' ' -f1 || true)
  if [ "$want" != "$got" ]; then
    echo "$dir/$f differs from $pkg@$version's (sha256 ${got:-missing}, want $want)" >&2
    bad=1
  fi
done
[ "$bad" = 0 ] || { echo "restore it with: bash api/docsui/vendor.sh $dir update" >&2; exit 1; }
echo "vendored $pkg@$version in $dir: files identical to the npm package"
