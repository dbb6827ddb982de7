#!/usr/bin/env bash
# Time and peak memory of `masthead import ghost` on a generated Ghost export of POSTS posts
# (bench/ghost-export.py: Lexical/HTML bodies of 300 to 2,000 words, 300 tags, 60 staff; about
# 1.6 GB for 100,000 posts), into a fresh SQLite or PostgreSQL database. Prints the export's
# size, the wall-clock time and the peak resident memory (VmHWM) of the import.
#
#   bench/import-ghost.sh
#   DB=postgres POSTS=100000 EXPORT=/tmp/ghost-100k.json bench/import-ghost.sh
#   BIN=target/debug/masthead DB=sqlite bench/import-ghost.sh
#
# Environment: DB (sqlite or postgres, default sqlite), POSTS (default 100000), EXPORT (the export
# file: reused when it exists, else generated there and kept; default a temporary file, removed
# afterwards), BIN (the masthead binary, default the release build in CARGO_TARGET_DIR or
# target), PG_URL (server on which a throwaway database is made, default
# postgres://postgres@127.0.0.1:5432).
set -euo pipefail
export MASTHEAD_VOICE_INSTALL=off MASTHEAD_LOG=warn
cd "$(dirname "$0")/.."

db="${DB:-sqlite}"
posts="${POSTS:-100000}"
pg="${PG_URL:-postgres://postgres@127.0.0.1:5432}"
bin="${BIN:-${CARGO_TARGET_DIR:-target}/release/masthead}"
if [ ! -x "$bin" ]; then
  echo "No masthead binary at $bin: build it (cargo build --release -p masthead) or set BIN." >&2
  exit 1
fi
case "$db" in sqlite | postgres) ;; *) echo "DB must be sqlite or postgres" >&2; exit 1 ;; esac

work=$(mktemp -d)
database="masthead_bench_import_$$"
cleanup() {
  if [ "$db" = postgres ]; then
    psql "$pg/postgres" -q -c "DROP DATABASE IF EXISTS $database" >/dev/null 2>&1 || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT

export_file="${EXPORT:-$work/export.json}"
if [ ! -s "$export_file" ]; then
  echo "Generating an export of $posts posts in $export_file..." >&2
  python3 bench/ghost-export.py "$posts" >"$export_file"
fi

if [ "$db" = postgres ]; then
  psql "$pg/postgres" -q -c "CREATE DATABASE $database" >/dev/null
  export MASTHEAD_DATABASE_URL="$pg/$database"
else
  unset MASTHEAD_DATABASE_URL
fi

# Runs the import and reports its wall-clock time and the peak resident memory of the process
# (the kernel's maximum RSS of the waited-for child, which is its VmHWM).
python3 - "$bin" "$export_file" "$work/data" "$work/out" <<'PY'
import os, resource, subprocess, sys, time
bin_, export, data, out = sys.argv[1:]
size = os.path.getsize(export)
start = time.monotonic()
with open(out, "w") as log:
    code = subprocess.call([bin_, "import", "ghost", export, "--data-dir", data], stdout=log, stderr=subprocess.STDOUT)
elapsed = time.monotonic() - start
peak_kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
with open(out) as log:
    lines = log.read().splitlines()
for line in lines[:12]:
    print("  " + line)
if code != 0:
    sys.exit(f"the import failed with status {code}")
print(f"export: {size / 1e6:.0f} MB")
print(f"time: {elapsed:.1f} s")
print(f"peak RSS: {peak_kib / 1024:.0f} MiB")
PY
