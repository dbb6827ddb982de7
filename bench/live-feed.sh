#!/usr/bin/env bash
# The live news feed under load: CLIENTS (default 10,000) Server-Sent Events streams held open
# on one instance over loopback, one item posted through the Admin API, and the time it takes to
# reach every stream (p50, p99, max), with the server's resident memory while they are open.
# Prints a Markdown report.
#
#   bench/live-feed.sh
#   CLIENTS=10000 BUILD=0 bench/live-feed.sh
#
# Environment: CLIENTS (default 10000), DATABASE (sqlite, the default, or a postgres:// server
# URL on which a throwaway database is made), CARGO_TARGET_DIR, BUILD (0 skips cargo build).
set -euo pipefail
# Measured without a voice being installed and stories narrated beside the load.
export MASTHEAD_VOICE_INSTALL=off
cd "$(dirname "$0")/.."

clients="${CLIENTS:-10000}"
target_dir="${CARGO_TARGET_DIR:-target}"
if [ "${BUILD:-1}" != 0 ]; then
  cargo build --release -p masthead -p masthead-test-utils --bin masthead --bin masthead-sse-load >&2
fi
bin="$target_dir/release/masthead"
load="$target_dir/release/masthead-sse-load"
# Every stream is a socket on each side (client and server are separate processes).
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"
if [ "$(ulimit -n)" != unlimited ] && [ "$(ulimit -n)" -lt $((clients + 200)) ]; then
  echo "error: $clients streams need an open-files limit above $((clients + 200)); this shell allows $(ulimit -n)" >&2
  exit 1
fi

work=$(mktemp -d)
database_name="masthead_bench_live_$$"
server=""
cleanup() {
  [ -n "$server" ] && kill "$server" 2>/dev/null || true
  wait 2>/dev/null || true
  if [ "${DATABASE:-sqlite}" != sqlite ]; then
    psql "$DATABASE/postgres" -q -c "DROP DATABASE IF EXISTS $database_name" >/dev/null 2>&1 || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT

if [ "${DATABASE:-sqlite}" != sqlite ]; then
  export MASTHEAD_DATABASE_URL="$DATABASE/$database_name"
fi
export MASTHEAD_LOG=warn
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
"$bin" demo --data-dir "$work/site" >/dev/null
admin_key=$("$bin" integration add --data-dir "$work/site" --name Bench | sed -n 's/^ *Admin API key: *//p')
"$bin" serve --no-demo --data-dir "$work/site" --listen "127.0.0.1:$port" --max-connections $((clients + 1000)) \
  --site-url "http://127.0.0.1:$port" >"$work/serve.log" 2>&1 &
server=$!
for _ in $(seq 1 400); do curl -fs -o /dev/null "http://127.0.0.1:$port/" && break; sleep 0.05; done
rss_before=$(awk '/VmRSS/ {print $2}' "/proc/$server/status")

"$load" --server "127.0.0.1:$port" --clients "$clients" --admin-key "$admin_key" >"$work/result.json" &
load_pid=$!
# The server's memory while every stream is open (sampled until the client is done).
peak=0
while kill -0 "$load_pid" 2>/dev/null; do
  rss=$(awk '/VmRSS/ {print $2}' "/proc/$server/status")
  [ "$rss" -gt "$peak" ] && peak=$rss
  sleep 0.2
done
wait "$load_pid"
python3 - "$work/result.json" "$rss_before" "$peak" "$clients" <<'PY'
import json, sys
result = json.load(open(sys.argv[1]))
before, peak, clients = int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
print("| Streams | Received | Failed | p50 | p99 | max | Server RSS idle | Server RSS, all streams open |")
print("|---|---|---|---|---|---|---|---|")
print(f"| {clients} | {result['received']} | {result['failed']} | {result['p50_ms']:.1f} ms | {result['p99_ms']:.1f} ms "
      f"| {result['max_ms']:.1f} ms | {before / 1024:.0f} MB | {peak / 1024:.0f} MB |")
print()
print(f"- Opening the {clients} streams took {result['connect_s']} s (256 connecting at a time).")
PY
backend=$([ "${DATABASE:-sqlite}" = sqlite ] && echo SQLite || echo PostgreSQL)
echo "- Release build; one instance on $backend; client and server on the same machine over loopback"
echo "- Machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(uname -sr)"
