# Shared by the bench/*_vs_pgbench.sh scripts (sourced, not run): a durable throwaway cluster,
# the machine and server facts, and pgbench's set-up and run.
#
# bench_durable_cluster SCRIPT ARGS... — re-executes SCRIPT under scripts/with-postgres.sh when
# there is no cluster yet, or when the one given has the test cluster's fsync=off (options
# given on the command line, which nothing can override later), with realistic settings.
bench_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
bench_pg_options=${BENCH_PG_OPTIONS:-"-c fsync=on -c synchronous_commit=on -c full_page_writes=on -c shared_buffers=1GB"}

bench_durable_cluster() {
  local script=$1
  shift
  if [ -z "${PG_TEST_DSN:-}" ]; then
    exec env EASYPAY_PG_OPTIONS="$bench_pg_options" "$bench_root/scripts/with-postgres.sh" "$script" "$@"
  fi
  if [ -z "${BENCH_OWN_CLUSTER:-}" ] \
    && [ "$("$PG_BIN_DIR/psql" "$PG_TEST_DSN" -Atc 'SHOW fsync')" != "on" ]; then
    echo "The cluster given has fsync=off; starting one with: $bench_pg_options"
    exec env BENCH_OWN_CLUSTER=1 EASYPAY_PG_OPTIONS="$bench_pg_options" \
      "$bench_root/scripts/with-postgres.sh" "$script" "$@"
  fi
}

bench_psql() { "$PG_BIN_DIR/psql" -X -q -v ON_ERROR_STOP=1 "$@"; }

bench_load() { cut -d' ' -f1-3 /proc/loadavg; }

bench_facts() {
  echo "=== machine: $(nproc) CPUs, $(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo)," \
    "$(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), load $(bench_load)"
  echo "=== server: $(bench_psql "$PG_TEST_DSN" -Atc 'SHOW server_version')," \
    "$(bench_psql "$PG_TEST_DSN" -Atc "SELECT string_agg(name || '=' || current_setting(name), ' ' ORDER BY name)
       FROM pg_settings WHERE name IN ('fsync', 'synchronous_commit', 'full_page_writes',
       'wal_sync_method', 'shared_buffers', 'max_wal_size', 'max_connections')")"
}

# bench_pgbench_init WORKDIR — a fresh `pgbench` database of the same cluster, scale 10.
bench_pgbench_init() {
  bench_pgbench_dsn=${PG_TEST_DSN%/*}/pgbench
  echo "=== pgbench -i -s 10"
  bench_psql "$PG_TEST_DSN" -c "DROP DATABASE IF EXISTS pgbench" -c "CREATE DATABASE pgbench"
  "$PG_BIN_DIR/pgbench" -i -s 10 -q "$bench_pgbench_dsn" >"$1/pgbench-init.log" 2>&1 \
    || { cat "$1/pgbench-init.log"; exit 1; }
}

# bench_pgbench_run LOG SECONDS — tpcb-like, 32 clients, -j 2; prints and sets bench_pgbench_tps.
bench_pgbench_run() {
  echo "=== pgbench tpcb-like, scale 10, 32 clients, -j 2, $2 s (load $(bench_load))"
  "$PG_BIN_DIR/pgbench" -b tpcb-like -c 32 -j 2 -T "$2" "$bench_pgbench_dsn" >"$1" 2>&1 \
    || { cat "$1"; exit 1; }
  grep -E '^(tps|latency average)' "$1"
  bench_pgbench_tps=$(sed -nE 's/^tps = ([0-9.]+) \(without initial.*/\1/p' "$1")
}
