#!/usr/bin/env bash
# Load benchmark of the public site: starts a release build of masthead on the demo newsroom
# and, once the server has finished the work a freshly seeded demo queues (photos, narrations),
# measures the home page, an article and the RSS feed at concurrency 32 and 128 with wrk,
# plus peak memory, the first start on an empty data dir (to the first 200, and until every demo
# photo is painted) and cold start to the first 200. Prints a Markdown report.
#
#   bench/run.sh                      # SQLite in a temporary data dir
#   MASTHEAD_DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench bench/run.sh
#   MASTHEAD_BIN=target/debug/masthead bench/run.sh   # an existing binary, not built here
#
# Environment: DURATION (seconds per run, default 15), PORT (default 18181),
# CARGO_TARGET_DIR (where the release build goes), MASTHEAD_BIN (the binary to measure instead
# of a fresh release build). The first start needs an empty database: on PostgreSQL, give one.
set -euo pipefail
# No voice is installed for the benchmark; with espeak-ng on the machine the demo's stories are
# narrated with it, before the runs (see below).
export MASTHEAD_VOICE_INSTALL=off
cd "$(dirname "$0")/.."
. bench/settle.sh

duration="${DURATION:-15}"
port="${PORT:-18181}"
target_dir="${CARGO_TARGET_DIR:-target}"
bin="${MASTHEAD_BIN:-$target_dir/release/masthead}"

if ! command -v wrk >/dev/null; then
  echo "Installing wrk (Debian package)..." >&2
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null
fi
if [ -z "${MASTHEAD_BIN:-}" ]; then
  cargo build --release -p masthead >&2
fi

data=$(mktemp -d)
first=$(mktemp -d)
trap 'kill "${server:-0}" 2>/dev/null || true; rm -rf "$data" "$first"' EXIT

# First start: process spawn on an empty data dir (migrations, the demo's text seeded) to the
# first 200 on the home page, and to the log line saying every demo photo is painted.
read -r first_ms photos_ms < <(python3 - "$bin" "$first" "$port" <<'PY'
import subprocess, sys, threading, time, urllib.request
binary, data, port = sys.argv[1:4]
start = time.perf_counter()
proc = subprocess.Popen([binary, "serve", "--data-dir", data, "--listen", f"127.0.0.1:{port}"],
                        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
photos = threading.Event()
photos_at = [None]
def watch():
    for line in proc.stdout:
        if "every demo photo is ready" in line and photos_at[0] is None:
            photos_at[0] = time.perf_counter()
            photos.set()
threading.Thread(target=watch, daemon=True).start()
while True:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=1) as r:
            if r.status == 200:
                break
    except Exception:
        time.sleep(0.002)
first = (time.perf_counter() - start) * 1000
ready = photos.wait(timeout=900)
proc.terminate(); proc.wait()
print(f"{first:.0f} {((photos_at[0] - start) * 1000) if ready else float('nan'):.0f}")
PY
)

"$bin" demo --data-dir "$data" >&2

# Cold start: process spawn to the first 200 on the home page (database already migrated and seeded).
cold_ms=$(python3 - "$bin" "$data" "$port" <<'PY'
import subprocess, sys, time, urllib.request
binary, data, port = sys.argv[1:4]
start = time.perf_counter()
proc = subprocess.Popen([binary, "serve", "--no-demo", "--data-dir", data, "--listen", f"127.0.0.1:{port}"],
                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
while True:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=1) as r:
            if r.status == 200:
                break
    except Exception:
        time.sleep(0.002)
elapsed = (time.perf_counter() - start) * 1000
proc.terminate(); proc.wait()
print(f"{elapsed:.0f}")
PY
)

"$bin" serve --no-demo --data-dir "$data" --listen "127.0.0.1:$port" >/dev/null 2>&1 &
server=$!
base="http://127.0.0.1:$port"
for _ in $(seq 1 200); do curl -fs -o /dev/null "$base/" && break; sleep 0.05; done
idle_kb=$(awk '/VmRSS/ {print $2}' "/proc/$server/status")

# A freshly seeded demo has work queued: its photos to paint and, with a voice (espeak-ng, say),
# its stories to narrate. The server does that in the background, once; it is left to finish
# (no CPU used for two seconds, at most five minutes) and its peak memory meanwhile is reported
# on its own. Then the server is restarted, so that the runs below measure serving alone: their
# CPU is not shared with that work, and the peak reported for them is theirs (memory the
# allocator kept after the one-off work would otherwise count as theirs).
settle "$server"
background_kb=$settle_kb
kill "$server"; wait "$server" 2>/dev/null || true
"$bin" serve --no-demo --data-dir "$data" --listen "127.0.0.1:$port" >/dev/null 2>&1 &
server=$!
for _ in $(seq 1 200); do curl -fs -o /dev/null "$base/" && break; sleep 0.05; done
idle_kb=$(awk '/VmRSS/ {print $2}' "/proc/$server/status")

article=$(curl -fs "$base/" | grep -o 'class="card__title"><a href="/[^"]*/"' | head -1 | sed -E 's/.*href="([^"]*)"/\1/')
article_bytes=$(curl -fs "$base$article" | wc -c)
css=$(curl -fs "$base$article" | grep -o '/assets/css/site\.[a-z0-9]*\.css' | head -1)
css_bytes=$(curl -fs "$base$css" | wc -c)

echo "| Page | Concurrency | Requests/s | p50 | p99 | Errors |"
echo "|---|---|---|---|---|---|"
for path in "/" "$article" "/rss/"; do
  name=$path; [ "$path" = "/" ] && name="home (/)"; [ "$path" = "/rss/" ] && name="RSS (/rss/)"
  [ "$path" = "$article" ] && name="article"
  for c in 32 128; do
    curl -fs -o /dev/null -H 'Accept-Encoding: gzip, br' "$base$path"   # warm the page cache
    out=$(wrk -t2 -c"$c" -d"${duration}s" --latency -H 'Accept-Encoding: gzip, deflate, br' "$base$path")
    rps=$(echo "$out" | awk '/Requests\/sec/ {print $2}')
    p50=$(echo "$out" | awk '$1 == "50%" {print $2}')
    p99=$(echo "$out" | awk '$1 == "99%" {print $2}')
    errors=$(echo "$out" | awk '/Non-2xx|Socket errors/ {print}' | tr '\n' ' ')
    echo "| $name | $c | ${rps%.*} | $p50 | $p99 | ${errors:-none} |"
  done
done
peak_kb=$(awk '/VmHWM/ {print $2}' "/proc/$server/status")
echo
echo "- First start on an empty data dir (migrations and the demo's text): first 200 on / after ${first_ms} ms; every demo photo painted after ${photos_ms} ms"
echo "- Cold start to first 200 (migrated, seeded database): ${cold_ms} ms"
echo "- Binary: ${bin}"
echo "- Resident memory: $((idle_kb / 1024)) MB after start, peak $((peak_kb / 1024)) MB during the runs"
echo "- Before the runs, the seeded demo's photos and narrations (made once, in the background): ${settle_s} s, peak $((background_kb / 1024)) MB; the server was then restarted"
echo "- Article page weight: HTML ${article_bytes} bytes + CSS ${css_bytes} bytes, no JavaScript (uncompressed)"
echo "- wrk -t2 -c<concurrency> -d${duration}s --latency, Accept-Encoding: gzip, deflate, br; load generator on the same machine"
echo "- Machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%d GiB", $2/1048576}' /proc/meminfo), $(uname -sr)"
