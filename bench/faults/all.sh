#!/usr/bin/env bash
# Every fault run at full length, on PostgreSQL (see bench/faults/README.md); exit 1 if any fails.
set -uo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
status=0
"$here/crash.sh" --rounds 20 "$@" || status=1
"$here/crash.sh" --kill postgres --rounds 20 "$@" || status=1
"$here/sandbox.sh" --seconds 120 "$@" || status=1
"$here/bank_test.sh" --seconds 300 --kills 5 "$@" || status=1
[ $status = 0 ] && echo "all fault runs: ok" || echo "some fault run FAILED"
exit $status
