#!/usr/bin/env bash
# See bench/faults/README.md. Options are passed on (e.g. --database sqlite, --seed N).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
exec "$root/.venv/bin/python" -m easypay.bench.faults.bank_test "$@"
