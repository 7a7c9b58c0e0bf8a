#!/usr/bin/env bash
# Install what the test suite needs beyond Python packages (see install-system-deps.sh --test).
set -euo pipefail
exec "$(dirname "$0")/install-system-deps.sh" --test
