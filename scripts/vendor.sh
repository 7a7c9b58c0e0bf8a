#!/usr/bin/env bash
# Fetch the front-end libraries from the npm registry (package.json / package-lock.json) and copy the
# built files the site serves into readingroom/web/static/vendor/ (neither folder is committed).
#   scripts/vendor.sh         OpenSeadragon (the page viewer)
#   scripts/vendor.sh --dev   also Mirador (the tests open our manifests in it) and axe-core (the accessibility
#                             checks of the browser tests)
set -euo pipefail
cd "$(dirname "$0")/.."
# The interface's translation catalogues (readingroom/locale/*/LC_MESSAGES/django.po -> .mo), compiled in Python
# (no GNU gettext needed to serve)
if [[ -x .venv/bin/python ]]; then .venv/bin/python -m readingroom.web.msgfmt; fi
if ! command -v npm >/dev/null 2>&1; then
  echo "vendor: npm is missing (scripts/install-system-deps.sh installs it); the scan viewer will not load" >&2
  [[ "${CI:-}" == "true" ]] && exit 1
  exit 0
fi
if [[ "${1:-}" == "--dev" ]]; then
  [[ -e node_modules/mirador/dist/mirador.min.js && -e node_modules/axe-core/axe.min.js \
     && node_modules/.package-lock.json -nt package-lock.json ]] \
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
if [[ "${1:-}" == "--dev" ]]; then
  # axe-core: only for the tests (never served to readers in production: static/vendor/axe is not linked from any page)
  mkdir -p "$dest/axe"
  cp node_modules/axe-core/axe.min.js "$dest/axe/axe.min.js"
fi
