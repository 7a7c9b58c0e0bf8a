#!/usr/bin/env bash
# Install what the test suite needs beyond Python packages: Debian's Chromium (and fonts for Latin,
# Cyrillic and CJK) for the browser tests, and a PostgreSQL server. Idempotent; needs root to install.
set -euo pipefail
need=()
command -v chromium >/dev/null 2>&1 || need+=(chromium fonts-dejavu-core fonts-liberation fonts-wqy-zenhei)
ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1 || need+=(postgresql postgresql-contrib)
if ((${#need[@]})); then
  if [[ $(id -u) -ne 0 ]]; then
    echo "install-test-deps: missing ${need[*]}; run as root (or install them) for the browser/PostgreSQL tests" >&2
    [[ "${CI:-}" == "true" ]] && exit 1
    exit 0
  fi
  echo "install-test-deps: installing ${need[*]}" >&2
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi
