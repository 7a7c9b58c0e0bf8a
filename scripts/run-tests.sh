#!/usr/bin/env bash
# Run the whole suite: SQLite (embedded default), PostgreSQL (server database), and headless Chromium.
#
# Two parts. First every test but those marked `serial`, on every core (pytest-xdist; a test file stays on one
# worker, so its module fixtures are made once; each worker has its own data directory and test database).
# Then the `serial` tests, alone: they time a bound (a write searchable on another node within 2 s, an ordinary
# page answered beside hostile renderings) that a test on the other core must not decide.
# READINGROOM_TEST_WORKERS: how many workers (default: one a core, at most 4; 0: the whole suite in one process).
# Arguments go to both parts (`scripts/run-tests.sh -k feed`); a part that selects no test is not a failure;
# to choose tests by marker (`-m browser`), run in one process: READINGROOM_TEST_WORKERS=0.
set -uo pipefail
cd "$(dirname "$0")/.."
if url=$(scripts/postgres.sh); then
  export READINGROOM_TEST_POSTGRES_URL="$url"
else
  [[ "${CI:-}" == "true" ]] && { echo "run-tests: CI needs PostgreSQL" >&2; exit 1; }
fi
export OMP_THREAD_LIMIT=1
mkdir -p test-output
cores=$(env -u OMP_NUM_THREADS -u OMP_THREAD_LIMIT nproc 2>/dev/null || echo 2)  # (nproc obeys OMP_*, set above)
workers="${READINGROOM_TEST_WORKERS:-$(( cores < 4 ? cores : 4 ))}"  # at most 4 by default: each worker's servers
# and PostgreSQL databases add connections and processes, and the suite's longest file bounds it anyway
if [[ "$workers" == 0 ]]; then
  exec .venv/bin/pytest "$@"
fi

part() {  # pytest's exit status, with 5 (no test selected) as success
  .venv/bin/pytest "$@"
  local rc=$?
  [[ $rc == 5 ]] && rc=0
  return $rc
}

start=$SECONDS
echo "run-tests: $workers workers, then the serial tests alone"
part -n "$workers" --dist loadfile -m "not serial" "$@"
parallel=$?
part -m serial "$@"
serial=$?
echo "run-tests: parallel part exit $parallel, serial part exit $serial, $((SECONDS - start)) s in all"
(( parallel == 0 && serial == 0 ))
