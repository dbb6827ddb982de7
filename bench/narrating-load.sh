#!/usr/bin/env bash
# Readers while the newsroom narrates: a cached article under wrk while the hibari voice narrates
# the demo newsroom's stories (on its own thread at the lowest OS priority, one story at a time),
# then the same load once every story is narrated. Prints a Markdown report.
#
#   bench/narrating-load.sh
#
# Environment: DURATION (seconds per run, default 10), PORT (default 18182), MASTHEAD_VOICE_DATA
# (where the voice is installed, default ~/.cache/masthead), CARGO_TARGET_DIR.
set -euo pipefail
cd "$(dirname "$0")/.."

duration="${DURATION:-10}"
port="${PORT:-18182}"
bin="${CARGO_TARGET_DIR:-target}/release/masthead"
voice_data="${MASTHEAD_VOICE_DATA:-${XDG_CACHE_HOME:-$HOME/.cache}/masthead}"

if ! command -v wrk >/dev/null; then
  echo "Installing wrk (Debian package)..." >&2
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null
fi
cargo build --release -p masthead >&2
"$bin" voices install --data-dir "$voice_data" >&2

data=$(mktemp -d)
trap 'kill "${server:-0}" 2>/dev/null || true; rm -rf "$data"' EXIT
mkdir -p "$data"
ln -s "$voice_data/voices" "$data/voices"
# Seeding the demo publishes its stories, and publishing queues their narration.
"$bin" demo --data-dir "$data" >/dev/null 2>&1
log="$data/server.log"
"$bin" serve --no-demo --data-dir "$data" --listen "127.0.0.1:$port" >"$log" 2>&1 &
server=$!
base="http://127.0.0.1:$port"
for _ in $(seq 1 200); do curl -fs -o /dev/null "$base/" && break; sleep 0.05; done
article=$(curl -fs "$base/" | grep -o 'class="card__title"><a href="/[^"]*/"' | head -1 | sed -E 's/.*href="([^"]*)"/\1/')
narrated() { grep -c 'took_ms' "$log" || true; }

run() {
  curl -fs -o /dev/null -H 'Accept-Encoding: gzip, br' "$base$article"   # warm the page cache
  wrk -t1 -c32 -d"${duration}s" --latency -H 'Accept-Encoding: gzip, deflate, br' "$base$article"
}
row() {
  local label=$1 out=$2 stories=$3
  local rps p50 p99
  rps=$(echo "$out" | awk '/Requests\/sec/ {print $2}')
  p50=$(echo "$out" | awk '$1 == "50%" {print $2}')
  p99=$(echo "$out" | awk '$1 == "99%" {print $2}')
  echo "| $label | ${rps%.*} | $p50 | $p99 | $stories |"
}

before=$(narrated)
during=$(run)
narrated_during=$(( $(narrated) - before ))
# Wait until the voice has been quiet for 10 s: every queued story is narrated.
last=-1
while [ "$(narrated)" != "$last" ]; do last=$(narrated); sleep 10; done
after=$(run)

echo "| Cached article, wrk -t1 -c32 | Requests/s | p50 | p99 | Stories narrated during the run |"
echo "|---|---|---|---|---|"
row "while narrating" "$during" "$narrated_during"
row "after narration" "$after" 0
echo
cp "$log" "${TMPDIR:-/tmp}/narrating-load.log"
echo "- Engine: $(grep -o 'narrating with [a-z -]*' "$log" | head -1); stories narrated in all: $(narrated)"
echo "- ${duration} s per run, load generator on the same machine; machine: $(nproc) cores, $(uname -sr)"
