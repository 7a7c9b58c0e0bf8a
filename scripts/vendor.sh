#!/usr/bin/env bash
# Fetch the front-end libraries from the npm registry (package.json / package-lock.json) and copy the
# built files the site serves into readingroom/web/static/vendor/ (neither folder is committed).
#   scripts/vendor.sh         OpenSeadragon (the page viewer)
#   scripts/vendor.sh --dev   also Mirador (the tests open our manifests in it)
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v npm >/dev/null 2>&1; then
  echo "vendor: npm is missing (scripts/install-system-deps.sh installs it); the scan viewer will not load" >&2
  [[ "${CI:-}" == "true" ]] && exit 1
  exit 0
fi
if [[ "${1:-}" == "--dev" ]]; then
  [[ -e node_modules/mirador/dist/mirador.min.js && node_modules/.package-lock.json -nt package-lock.json ]] \
    || npm ci --no-audit --no-fund --loglevel=error
else
  [[ -e node_modules/openseadragon/build/openseadragon/openseadragon.min.js && node_modules/.package-lock.json -nt package-lock.json ]] \
    || npm ci --omit=dev --no-audit --no-fund --loglevel=error
fi
dest=readingroom/web/static/vendor
mkdir -p "$dest"
rm -rf "$dest/openseadragon"
cp -r node_modules/openseadragon/build/openseadragon "$dest/openseadragon"
rm -f "$dest"/openseadragon/*.map
