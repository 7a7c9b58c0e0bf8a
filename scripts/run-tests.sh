#!/usr/bin/env bash
# Run the whole suite: SQLite (embedded default), PostgreSQL (server database), and headless Chromium.
set -euo pipefail
cd "$(dirname "$0")/.."
if url=$(scripts/postgres.sh); then
  export READINGROOM_TEST_POSTGRES_URL="$url"
else
  [[ "${CI:-}" == "true" ]] && { echo "run-tests: CI needs PostgreSQL" >&2; exit 1; }
fi
export OMP_THREAD_LIMIT=1
mkdir -p test-output
exec .venv/bin/pytest "$@"
