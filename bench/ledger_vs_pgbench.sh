#!/usr/bin/env bash
# The ledger benchmark next to pgbench, in the same run and on the same throwaway cluster, so
# the ratio is fair on a machine shared with other work. `make bench` runs it under
# scripts/with-postgres.sh; see bench/README.md.
#
# Both run with durable commits (fsync=on, synchronous_commit=on, full_page_writes=on): the
# test cluster's fsync=off settings are command-line options that nothing can override later,
# so when the cluster we were given has them, this script starts its own with realistic ones.
#
# Knobs (environment): BENCH_ROUNDS (2), PGBENCH_SECONDS (30), BENCH_SECONDS (10, per
# measurement), BENCH_ACCOUNTS (10000), BENCH_BATCH_SIZE (500), BENCH_PROCESSES (2),
# BENCH_CONCURRENCY ("1 8 32"), EASYPAY_BENCH_PATHS ("service,portable"), BENCH_PG_OPTIONS (the server options to use).
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
pg_options=${BENCH_PG_OPTIONS:-"-c fsync=on -c synchronous_commit=on -c full_page_writes=on -c shared_buffers=1GB"}

if [ -z "${PG_TEST_DSN:-}" ]; then
  exec env EASYPAY_PG_OPTIONS="$pg_options" "$root/scripts/with-postgres.sh" "$root/bench/ledger_vs_pgbench.sh" "$@"
fi
if [ -z "${LEDGER_BENCH_OWN_CLUSTER:-}" ] \
  && [ "$("$PG_BIN_DIR/psql" "$PG_TEST_DSN" -Atc 'SHOW fsync')" != "on" ]; then
  echo "The cluster given has fsync=off; starting one with: $pg_options"
  exec env LEDGER_BENCH_OWN_CLUSTER=1 EASYPAY_PG_OPTIONS="$pg_options" \
    "$root/scripts/with-postgres.sh" "$root/bench/ledger_vs_pgbench.sh" "$@"
fi

rounds=${BENCH_ROUNDS:-2}
pgbench_seconds=${PGBENCH_SECONDS:-30}
seconds=${BENCH_SECONDS:-10}
accounts=${BENCH_ACCOUNTS:-10000}
batch_size=${BENCH_BATCH_SIZE:-500}
processes=${BENCH_PROCESSES:-2}  # like `easypay serve` with two workers; one Python process is the bottleneck
read -r -a levels <<<"${BENCH_CONCURRENCY:-1 8 32}"
export EASYPAY_BENCH_PATHS=${EASYPAY_BENCH_PATHS:-service,portable}
export EASYPAY_DATABASE_URL=$EASYPAY_TEST_DATABASE_URL

psql=("$PG_BIN_DIR/psql" -X -q -v ON_ERROR_STOP=1)
pgbench_dsn=${PG_TEST_DSN%/*}/pgbench
work=$(mktemp -d /tmp/ledger-bench.XXXXXX)
trap 'rm -rf "$work"' EXIT

echo "=== machine: $(nproc) CPUs, $(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo)," \
  "$(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "=== server: $("${psql[@]}" "$PG_TEST_DSN" -Atc 'SHOW server_version')," \
  "$("${psql[@]}" "$PG_TEST_DSN" -Atc "SELECT string_agg(name || '=' || current_setting(name), ' ' ORDER BY name)
     FROM pg_settings WHERE name IN ('fsync', 'synchronous_commit', 'full_page_writes',
     'wal_sync_method', 'shared_buffers', 'max_wal_size')")"

echo "=== pgbench -i -s 10"
"${psql[@]}" "$PG_TEST_DSN" -c "DROP DATABASE IF EXISTS pgbench" -c "CREATE DATABASE pgbench"
"$PG_BIN_DIR/pgbench" -i -s 10 -q "$pgbench_dsn" >"$work/pgbench-init.log" 2>&1 \
  || { cat "$work/pgbench-init.log"; exit 1; }

concurrency_options=()
for level in "${levels[@]}"; do concurrency_options+=(--concurrency "$level"); done

for round in $(seq 1 "$rounds"); do
  echo "=== round $round: pgbench tpcb-like, scale 10, 32 clients, -j 2, ${pgbench_seconds} s" \
    "(load $(cut -d' ' -f1-3 /proc/loadavg))"
  "$PG_BIN_DIR/pgbench" -b tpcb-like -c 32 -j 2 -T "$pgbench_seconds" "$pgbench_dsn" \
    >"$work/pgbench-$round.log" 2>&1 || { cat "$work/pgbench-$round.log"; exit 1; }
  grep -E '^(tps|latency average)' "$work/pgbench-$round.log"
  echo "=== round $round: easypay bench ledger ($accounts wallets, ${seconds} s each," \
    "paths $EASYPAY_BENCH_PATHS; load $(cut -d' ' -f1-3 /proc/loadavg))"
  "$root/.venv/bin/easypay" bench ledger --accounts "$accounts" --seconds "$seconds" \
    --batch-size "$batch_size" --processes "$processes" "${concurrency_options[@]}" \
    --json >"$work/ledger-$round.json"
done

"$root/.venv/bin/python" - "$work" "$rounds" <<'PYTHON'
"""Print each round's figures and ratios, then the median over the rounds."""

import json
import re
import statistics
import sys
from pathlib import Path

work, rounds = Path(sys.argv[1]), int(sys.argv[2])
by_row: dict[tuple[str, str, int], list[float]] = {}
pgbench_all: list[float] = []
verified = True
for round_number in range(1, rounds + 1):
    log = (work / f"pgbench-{round_number}.log").read_text()
    pgbench = float(re.search(r"tps = ([0-9.]+) \(without initial", log).group(1))
    pgbench_all.append(pgbench)
    figures = json.loads((work / f"ledger-{round_number}.json").read_text())
    verified &= figures["verify"]["ok"]
    print(f"\n--- round {round_number}: pgbench {pgbench:,.0f} tx/s; ledger verify "
          f"{'ok' if figures['verify']['ok'] else 'FAILED'} "
          f"({figures['verify']['transfers']:,} transfers)")
    print(f"{'path':8} {'measurement':18} {'transfers/s':>12} {'p50 ms':>8} {'p99 ms':>8}"
          f" {'refused':>8} {'x pgbench':>10}")
    for row in figures["single"] + figures["batch"]:
        what = (f"single c={row['concurrency']}" if row["kind"] == "single"
                else f"batch {row['batch_size']} c={row['concurrency']}")
        ratio = row["transfers_per_second"] / pgbench
        key = (row["path"], what, row["concurrency"])
        by_row.setdefault(key, []).append(ratio)
        print(f"{row['path']:8} {what:18} {row['transfers_per_second']:>12,.0f}"
              f" {row['p50_ms']:>8.2f} {row['p99_ms']:>8.2f} {row['refused']:>8}"
              f" {ratio:>9.2f}x")
settings = figures["database"].get("settings", {})
print(f"\n=== median over {rounds} round(s); pgbench {statistics.median(pgbench_all):,.0f} tx/s "
      f"(rounds: {', '.join(f'{t:,.0f}' for t in pgbench_all)}); "
      + " ".join(f"{k}={v}" for k, v in settings.items() if k != "max_connections"))
for (path, what, concurrency), ratios in by_row.items():
    target = ""
    if path != "service":  # the targets are the app's path; the portable rows are context
        pass
    elif what == "single c=32":
        target = f"target >= 0.60x: {'met' if round(statistics.median(ratios), 2) >= 0.60 else 'NOT met'}"
    elif what.startswith("batch"):
        target = f"target >= 5x: {'met' if statistics.median(ratios) >= 5 else 'NOT met'}"
    print(f"{path:8} {what:18} {statistics.median(ratios):>6.2f}x pgbench  {target}")
if not verified:
    print("ledger verify FAILED after a round")
    sys.exit(1)
PYTHON
