#!/usr/bin/env bash
# The HTTP load benchmark (`easypay bench http`) next to pgbench, in the same run and on the
# same throwaway cluster with durable commits; see bench/README.md ("HTTP load benchmark").
#
# Knobs (environment): BENCH_ROUNDS (1), PGBENCH_SECONDS (30), BENCH_SECONDS (10 per
# scenario), BENCH_CONCURRENCY (32), BENCH_ACCOUNTS ("10000 1000000"), BENCH_WORKERS (2),
# BENCH_SCENARIOS ("charge send online pos history floor"), BENCH_HISTORY (100000),
# BENCH_POOL_SIZE (16), BENCH_PG_OPTIONS (the server options to use).
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=bench/common.sh
. "$root/bench/common.sh"
bench_durable_cluster "$root/bench/http_vs_pgbench.sh" "$@"

rounds=${BENCH_ROUNDS:-1}
pgbench_seconds=${PGBENCH_SECONDS:-30}
options=(
  --seconds "${BENCH_SECONDS:-10}"
  --concurrency "${BENCH_CONCURRENCY:-32}"
  --workers "${BENCH_WORKERS:-2}"
  --history-entries "${BENCH_HISTORY:-100000}"
  --pool-size "${BENCH_POOL_SIZE:-16}"
)
read -r -a accounts <<<"${BENCH_ACCOUNTS:-10000 1000000}"
read -r -a scenarios <<<"${BENCH_SCENARIOS:-charge send online pos history floor}"
for level in "${accounts[@]}"; do options+=(--accounts "$level"); done
for name in "${scenarios[@]}"; do options+=(--scenario "$name"); done
export EASYPAY_DATABASE_URL=$EASYPAY_TEST_DATABASE_URL

work=$(mktemp -d /tmp/http-bench.XXXXXX)
trap 'rm -rf "$work"' EXIT
bench_facts
bench_pgbench_init "$work"
# pg_stat_statements, when the server has it preloaded: the hot queries of the run.
bench_psql "$PG_TEST_DSN" -c "CREATE EXTENSION IF NOT EXISTS pg_stat_statements" >/dev/null 2>&1 || true

status=0
for round in $(seq 1 "$rounds"); do
  echo "=== round $round"
  if [ "$round" -gt 1 ]; then  # a fresh database: each round starts again from the smallest scale
    fresh=easypay_round_$round
    bench_psql "$PG_TEST_DSN" -c "DROP DATABASE IF EXISTS $fresh" -c "CREATE DATABASE $fresh"
    export EASYPAY_DATABASE_URL=${EASYPAY_TEST_DATABASE_URL%/*}/$fresh
  fi
  bench_pgbench_run "$work/pgbench-$round.log" "$pgbench_seconds"
  echo "=== round $round: easypay bench http ${options[*]} (load $(bench_load))"
  "$root/.venv/bin/easypay" bench http "${options[@]}" --pgbench-tps "$bench_pgbench_tps" \
    || status=1
done
exit $status
