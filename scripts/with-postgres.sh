#!/usr/bin/env bash
# Run a command against a throwaway PostgreSQL cluster started from this machine's server
# binaries, then stop and delete it. The command sees EASYPAY_TEST_DATABASE_URL (asyncpg) and
# PG_TEST_DSN (libpq). initdb refuses to run as root, so as root the cluster runs as `postgres`.
set -euo pipefail

bin_dir=""
for candidate in /usr/lib/postgresql/*/bin /usr/local/pgsql/bin; do
  if [ -x "$candidate/initdb" ]; then bin_dir="$candidate"; fi
done
if [ -z "$bin_dir" ] && command -v initdb >/dev/null 2>&1; then bin_dir="$(dirname "$(command -v initdb)")"; fi
if [ -z "$bin_dir" ]; then
  echo "############################################################"
  echo "### PostgreSQL tests skipped: no PostgreSQL server binaries found (initdb)."
  echo "############################################################"
  exit 0
fi

as_owner=()
if [ "$(id -u)" = "0" ]; then as_owner=(runuser -u postgres --); fi

work=$(mktemp -d /tmp/easypay-pg.XXXXXX)
chmod 755 "$work"
[ "$(id -u)" = "0" ] && chown postgres "$work"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')

cleanup() {
  "${as_owner[@]}" "$bin_dir/pg_ctl" -D "$work/data" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

"${as_owner[@]}" "$bin_dir/initdb" -D "$work/data" -U postgres -A trust -E UTF8 --no-locale >"$work/initdb.log" 2>&1 \
  || { cat "$work/initdb.log"; exit 1; }
"${as_owner[@]}" "$bin_dir/pg_ctl" -D "$work/data" -l "$work/server.log" -w -t 60 start \
  -o "-p $port -k $work -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300 ${EASYPAY_PG_OPTIONS:-}" >/dev/null \
  || { cat "$work/server.log"; exit 1; }
"${as_owner[@]}" "$bin_dir/createdb" -h 127.0.0.1 -p "$port" -U postgres easypay_test

export EASYPAY_TEST_DATABASE_URL="postgresql+asyncpg://postgres@127.0.0.1:$port/easypay_test"
export PG_TEST_DSN="postgresql://postgres@127.0.0.1:$port/easypay_test"
export PG_BIN_DIR="$bin_dir"
echo "PostgreSQL $("$bin_dir/postgres" --version | awk '{print $3}') running on port $port"
set +e
"$@"
status=$?
set -e
exit $status
