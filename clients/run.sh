#!/usr/bin/env bash
# Drives a running Masthead with Ghost's official JavaScript clients (@tryghost/content-api and
# @tryghost/admin-api), once on SQLite and once on PostgreSQL. Each run starts the real binary on
# a fresh database with the demo newsroom, creates an integration with `masthead integration
# add`, and runs tests/*.test.js with Node's test runner.
#
#   clients/run.sh                  # both databases
#   DBS=sqlite clients/run.sh       # one
#
# Environment: MASTHEAD_BIN (default target/debug/masthead), PG_URL (a server to create the
# throwaway database on; default postgres://postgres@127.0.0.1:5432), PORT (default 18090).
set -euo pipefail
cd "$(dirname "$0")"

bin="${MASTHEAD_BIN:-../target/debug/masthead}"
pg="${PG_URL:-postgres://postgres@127.0.0.1:5432}"
port="${PORT:-18090}"
if [ ! -x "$bin" ]; then
  echo "error: $bin is not built: run 'cargo build -p masthead' (or set MASTHEAD_BIN)" >&2
  exit 1
fi
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund
fi

server=""
work=""
cleanup() {
  if [ -n "$server" ]; then kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; fi
  if [ -n "$work" ]; then rm -rf "$work"; fi
}
trap cleanup EXIT

for db in ${DBS:-sqlite postgres}; do
  echo "== Ghost's clients against Masthead on $db =="
  work=$(mktemp -d)
  case "$db" in
    sqlite) unset MASTHEAD_DATABASE_URL ;;
    postgres)
      name="masthead_clients_$$"
      export MASTHEAD_DATABASE_URL="$pg/$name"
      psql "$pg/postgres" -q -c "DROP DATABASE IF EXISTS $name" >/dev/null
      ;;
    *) echo "unknown database $db" >&2; exit 2 ;;
  esac
  keys=$("$bin" integration add --data-dir "$work" --name "Ghost clients")
  # The demo with every photo painted before the server starts: the tests compare lists taken
  # at different moments, which photos landing in the background would make differ.
  MASTHEAD_LOG=warn MASTHEAD_VOICE_INSTALL=off "$bin" demo --data-dir "$work" >/dev/null
  content_key=$(printf '%s\n' "$keys" | sed -n 's/^ *Content API key: *//p')
  admin_key=$(printf '%s\n' "$keys" | sed -n 's/^ *Admin API key: *//p')
  # Webhook deliveries go to a listener in the tests, on this machine. The clients test the APIs:
  # the server does not fetch a narration voice meanwhile.
  MASTHEAD_LOG=warn MASTHEAD_WEBHOOKS_ALLOW_PRIVATE=true \
    MASTHEAD_VOICE_INSTALL=off "$bin" serve --data-dir "$work" --listen "127.0.0.1:$port" >"$work/server.log" 2>&1 &
  server=$!
  for _ in $(seq 1 600); do
    if curl -fsS -o /dev/null "http://127.0.0.1:$port/"; then break; fi
    if ! kill -0 "$server" 2>/dev/null; then cat "$work/server.log" >&2; exit 1; fi
    sleep 0.2
  done
  status=0
  MASTHEAD_URL="http://127.0.0.1:$port" MASTHEAD_CONTENT_KEY="$content_key" MASTHEAD_ADMIN_KEY="$admin_key" \
    node --test --test-concurrency=1 --test-reporter=spec tests/ || status=$?
  kill "$server"; wait "$server" 2>/dev/null || true; server=""
  if [ "$status" != 0 ]; then
    echo "--- server log ($db) ---" >&2; tail -n 50 "$work/server.log" >&2
    exit "$status"
  fi
  rm -rf "$work"; work=""
  if [ "$db" = postgres ]; then psql "$pg/postgres" -q -c "DROP DATABASE IF EXISTS $name" >/dev/null; fi
done
