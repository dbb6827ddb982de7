#!/usr/bin/env bash
# Masthead and the real Ghost 6.65 side by side on the same machine and the same content.
#
# Starts Ghost with the shared run-ghost.sh (which installs it on first use, about 10 minutes, and
# seeds a fresh site with 50 published posts), exports that site as JSON through a staff session,
# imports it with its content images into a fresh Masthead data dir, starts `masthead serve` beside
# it, and drives both with the same wrk load: the home page, one article (the same slug on both),
# the Content API browse, the RSS feed and the posts sitemap, at concurrency 32 and 128. nginx
# (Debian's package, one worker) serving the article's bytes, exactly as Masthead serves them, from
# a static file is the ceiling. Also measures each server's cold start (process spawn to the first
# 200 on `/`, database migrated and seeded) and peak resident memory (VmHWM; for Ghost, summed over
# the node process tree). Before and after each measured run the server is left to finish what it
# still has in hand (until its process uses no CPU for half a second). Prints a Markdown report.
#
#   bench/compare-ghost.sh
#   BUILD=0 DURATION=10 bench/compare-ghost.sh            # release binary already built
#   MASTHEAD_BIN=target/debug/masthead DURATION=2 bench/compare-ghost.sh   # a quick check of the script
#
# Environment: DURATION (seconds per wrk run, default 10), WARM (seconds of warm-up per URL and
# server, default 2), TIMEOUT (wrk's request timeout, default 10s), MASTHEAD_BIN (default
# ${CARGO_TARGET_DIR:-target}/release/masthead, built unless BUILD=0 or MASTHEAD_BIN is given),
# GHOST_TOOL (default ../shared/tools/run-ghost.sh beside the repo), GHOST_ANCHOR_ROOT (where that
# tool keeps Ghost), GHOST_PORT (default 2368), FRESH (1: wipe and reseed Ghost's site first, the
# default; 0: reuse the seeded site), PORT (Masthead's port; default a free one).
set -euo pipefail
# Measured without a voice being installed and stories narrated beside the load.
export MASTHEAD_VOICE_INSTALL=off MASTHEAD_LOG=warn
cd "$(dirname "$0")/.."
repo=$(pwd)

duration="${DURATION:-10}"
warm="${WARM:-2}"
timeout="${TIMEOUT:-10s}"
target_dir="${CARGO_TARGET_DIR:-target}"
ghost_tool="${GHOST_TOOL:-../shared/tools/run-ghost.sh}"
ghost_root="${GHOST_ANCHOR_ROOT:-$HOME/.cache/ghost-anchor}"
export GHOST_ANCHOR_ROOT="$ghost_root"
accept='Accept-Encoding: gzip, deflate, br'

[ -x "$ghost_tool" ] || { echo "run-ghost.sh not found at $ghost_tool (set GHOST_TOOL)" >&2; exit 1; }
for tool in wrk nginx; do
  if ! command -v "$tool" >/dev/null && [ ! -x "/usr/sbin/$tool" ]; then
    echo "Installing $tool (Debian package)..." >&2
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$tool" >/dev/null
  fi
done
if [ -n "${MASTHEAD_BIN:-}" ]; then
  bin="$MASTHEAD_BIN"
else
  bin="$target_dir/release/masthead"
  if [ "${BUILD:-1}" != 0 ]; then
    cargo build --release -p masthead >&2
  fi
fi
[ -x "$bin" ] || { echo "no masthead binary at $bin" >&2; exit 1; }
build=$(case "$bin" in */debug/*) echo debug ;; *) echo release ;; esac)

work=$(mktemp -d)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  "$ghost_tool" stop >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT
log() { printf '[compare-ghost %(%H:%M:%S)T] %s\n' -1 "$*" >&2; }
free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

# --- Ghost: install if needed, a freshly seeded site, then a restart to time a cold start -------
log "starting Ghost (the first run installs it: about 10 minutes)"
if [ "${FRESH:-1}" != 0 ]; then
  "$ghost_tool" --fresh >"$work/ghost-start.log" 2>&1 || { cat "$work/ghost-start.log" >&2; exit 1; }
else
  "$ghost_tool" >"$work/ghost-start.log" 2>&1 || { cat "$work/ghost-start.log" >&2; exit 1; }
fi
# The first start of a new site creates its database; the cold start is timed on a restart.
"$ghost_tool" stop >/dev/null 2>&1
"$ghost_tool" >"$work/ghost-start.log" 2>&1 || { cat "$work/ghost-start.log" >&2; exit 1; }
# shellcheck disable=SC1091
source "$ghost_root/ghost.env"
ghost="$GHOST_URL"
slug="$GHOST_SLUG"
ghost_cold_ms="$GHOST_COLD_START_MS"
keys="$ghost_root/keys.json"
key_field() { python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])' "$keys" "$1"; }
log "Ghost up at $ghost (pid $GHOST_PID), cold start $ghost_cold_ms ms"

# --- Ghost's JSON export (staff session, with the repo's ghost-diff helpers) --------------------
log "exporting Ghost's site"
# shellcheck disable=SC2016  # the single-quoted text is JavaScript, with its own ${...}
GHOST_OWNER_EMAIL=$(key_field owner_email) GHOST_OWNER_PASSWORD=$(key_field owner_password) \
  GHOST_URL="$ghost" GHOST_ADMIN_KEY="$GHOST_ADMIN_KEY" GHOST_CONTENT_KEY="$GHOST_CONTENT_KEY" \
  node -e '
const {config, session, admin} = require(process.argv[1]);
(async () => {
    const cfg = config();
    const res = await admin(cfg, "GET", "/db/", undefined, {cookie: await session(cfg), raw: true});
    if (!res.ok) throw new Error(`export: ${res.status} ${await res.text()}`);
    process.stdout.write(await res.text());
})().catch((e) => { console.error(e); process.exit(1); });' "$repo/clients/ghost-diff/lib.js" >"$work/ghost-export.json"

# --- Masthead: import the export and Ghost's content images into a fresh data dir ---------------
log "importing into Masthead ($bin)"
"$bin" import ghost --data-dir "$work/masthead" "$work/ghost-export.json" \
  --content "$ghost_root/site/content" >"$work/import.txt" 2>&1 || { cat "$work/import.txt" >&2; exit 1; }
content_key=$("$bin" integration add --data-dir "$work/masthead" --name Bench | sed -n 's/^ *Content API key: *//p')
port="${PORT:-$(free_port)}"
masthead="http://127.0.0.1:$port"
serve=("$bin" serve --no-demo --data-dir "$work/masthead" --listen "127.0.0.1:$port" --site-url "$masthead")

# Cold start: process spawn to the first 200 on the home page (database already migrated and imported).
masthead_cold_ms=$(python3 - "$masthead" "${serve[@]}" <<'PY'
import subprocess, sys, time, urllib.request
base, command = sys.argv[1], sys.argv[2:]
start = time.perf_counter()
proc = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
while True:
    if proc.poll() is not None:
        sys.exit("masthead serve exited during the cold start")
    if time.perf_counter() - start > 60:
        proc.kill()
        sys.exit("masthead serve did not answer 200 on / within 60 s")
    try:
        with urllib.request.urlopen(f"{base}/", timeout=1) as r:
            if r.status == 200:
                break
    except Exception:
        time.sleep(0.002)
elapsed = (time.perf_counter() - start) * 1000
proc.terminate(); proc.wait()
print(f"{elapsed:.0f}")
PY
)
"${serve[@]}" >"$work/masthead.log" 2>&1 &
server=$!
pids+=("$server")
for _ in $(seq 1 400); do curl -fs -o /dev/null "$masthead/" && break; sleep 0.05; done
curl -fs -o /dev/null "$masthead/" || { cat "$work/masthead.log" >&2; exit 1; }
log "Masthead up at $masthead (pid $server), cold start $masthead_cold_ms ms"

# --- nginx: the article's bytes as Masthead serves them to this Accept-Encoding, from a file -----
mkdir -p "$work/static/$slug"
curl -fs -H "$accept" -D "$work/article.headers" -o "$work/static/$slug/index.html" "$masthead/$slug/"
encoding=$(awk -F': *' 'tolower($1) == "content-encoding" {gsub("\r", "", $2); print $2}' "$work/article.headers")
content_type=$(awk -F': *' 'tolower($1) == "content-type" {gsub("\r", "", $2); print $2}' "$work/article.headers")
port_nginx=$(free_port)
cat >"$work/nginx.conf" <<NGINX
master_process off; daemon off; worker_processes 1; pid $work/nginx.pid; error_log $work/nginx.error.log;
events { worker_connections 4096; }
http { access_log off; client_body_temp_path $work/body; proxy_temp_path $work/proxy;
  fastcgi_temp_path $work/fastcgi; uwsgi_temp_path $work/uwsgi; scgi_temp_path $work/scgi;
  server { listen 127.0.0.1:$port_nginx; root $work/static;
    location / { types { } default_type "${content_type:-text/html; charset=utf-8}";
      ${encoding:+add_header Content-Encoding $encoding;} } } }
NGINX
nginx_bin=$(command -v nginx || echo /usr/sbin/nginx)
"$nginx_bin" -c "$work/nginx.conf" -p "$work" 2>"$work/nginx.stderr" &
nginx_pid=$!
pids+=("$nginx_pid")
nginx="http://127.0.0.1:$port_nginx"
for _ in $(seq 1 100); do curl -fs -o /dev/null "$nginx/$slug/" && break; sleep 0.05; done
cmp -s <(curl -fs -H "$accept" "$nginx/$slug/") "$work/static/$slug/index.html" \
  || { echo "nginx does not serve the article's bytes" >&2; cat "$work/nginx.stderr" "$work/nginx.error.log" >&2; exit 1; }

# --- the load -------------------------------------------------------------------------------------
# name|path on Ghost|path on Masthead
urls=(
  "home (/)|/|/"
  "article|/$slug/|/$slug/"
  "Content API browse|/ghost/api/content/posts/?key=$GHOST_CONTENT_KEY&limit=15&include=tags,authors|/ghost/api/content/posts/?key=$content_key&limit=15&include=tags,authors"
  "RSS (/rss/)|/rss/|/rss/"
  "sitemap (/sitemap-posts.xml)|/sitemap-posts.xml|/sitemap-posts.xml"
)
for entry in "${urls[@]}"; do
  IFS='|' read -r name ghost_path masthead_path <<<"$entry"
  for check in "$ghost$ghost_path" "$masthead$masthead_path"; do
    code=$(curl -s -o /dev/null -w '%{http_code}' -H "$accept" "$check")
    [ "$code" = 200 ] || { echo "$name: $check answered $code" >&2; exit 1; }
  done
done

results="$work/results.tsv"
# Waits (30 s at most) until a server's process has used no CPU for half a second: a server still
# working through the requests of the previous run would slow the next one, whichever it is.
settle() {
  local cpu last=-1
  for _ in $(seq 1 60); do
    cpu=$(awk '{print $14 + $15}' "/proc/$1/stat" 2>/dev/null || echo 0)
    [ "$cpu" = "$last" ] && return 0
    last=$cpu; sleep 0.5
  done
}
run() {  # server pid name url concurrency
  local label=$1 pid=$2 name=$3 url=$4 c=$5
  wrk -t1 -c8 -d"${warm}s" --timeout "$timeout" -H "$accept" "$url" >/dev/null 2>&1 || true
  settle "$pid"
  wrk -t1 -c"$c" -d"${duration}s" --timeout "$timeout" --latency -H "$accept" "$url" >"$work/wrk.txt"
  settle "$pid"
  python3 - "$work/wrk.txt" "$label" "$name" "$c" >>"$results" <<'PY'
import re, sys
text = open(sys.argv[1]).read()
def ms(value):
    number, unit = re.match(r'([\d.]+)(us|ms|s|m)', value).groups()
    return float(number) * {'us': 0.001, 'ms': 1, 's': 1000, 'm': 60000}[unit]
rps = float(re.search(r'Requests/sec:\s+([\d.]+)', text).group(1))
p50 = re.search(r'\n\s+50%\s+(\S+)', text); p99 = re.search(r'\n\s+99%\s+(\S+)', text)
if int(re.search(r'(\d+) requests in', text).group(1)) == 0:
    p50 = p99 = None  # none answered within the run: wrk's percentiles are then zeros
errors = ' '.join(line.strip() for line in text.splitlines() if 'Non-2xx' in line or 'Socket errors' in line)
print('\t'.join([sys.argv[2], sys.argv[3], sys.argv[4], f'{rps:.1f}',
                 f'{ms(p50.group(1)):.2f}' if p50 else '', f'{ms(p99.group(1)):.2f}' if p99 else '', errors]))
PY
}
for entry in "${urls[@]}"; do
  IFS='|' read -r name ghost_path masthead_path <<<"$entry"
  for c in 32 128; do
    log "$name, c=$c"
    run Ghost "$GHOST_PID" "$name" "$ghost$ghost_path" "$c"
    run Masthead "$server" "$name" "$masthead$masthead_path" "$c"
    if [ "$name" = article ]; then run nginx "$nginx_pid" "$name" "$nginx/$slug/" "$c"; fi
  done
done

# Peak resident memory: VmHWM of Masthead's process; for Ghost, summed over node's process tree.
tree() { echo "$1"; for child in $(ps -o pid= --ppid "$1"); do tree "$child"; done; }
hwm_kb() { awk '/VmHWM/ {print $2}' "/proc/$1/status" 2>/dev/null || echo 0; }
ghost_hwm=0; ghost_procs=0
for pid in $(tree "$GHOST_PID"); do ghost_hwm=$((ghost_hwm + $(hwm_kb "$pid"))); ghost_procs=$((ghost_procs + 1)); done
masthead_hwm=$(hwm_kb "$server")
nginx_hwm=$(hwm_kb "$nginx_pid")

echo "## Masthead and Ghost $(python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["db"][0]["meta"]["version"])' "$work/ghost-export.json") side by side"
echo
python3 - "$results" <<'PY'
import sys
rows = {}
order = []
for line in open(sys.argv[1]):
    server, name, c, rps, p50, p99, errors = (line.rstrip('\n').split('\t') + [''] * 7)[:7]
    key = (name, c)
    if key not in rows:
        rows[key] = {}; order.append(key)
    rows[key][server] = (float(rps), p50, p99, errors)
def cell(row, server):
    if server not in row:
        return ['—', '—', '—']
    rps, p50, p99, _ = row[server]
    return [f'{rps:,.0f}', f'{p50} ms' if p50 else '—', f'{p99} ms' if p99 else '—']
def ratio(row, a, b):
    if a not in row or b not in row or row[b][0] == 0:
        return '—'
    value = row[a][0] / row[b][0]
    return f'{value:,.0f}×' if value >= 10 else f'{value:.2f}×'
print('| URL | c | Ghost req/s | Ghost p50 | Ghost p99 | Masthead req/s | Masthead p50 | Masthead p99 '
      '| nginx req/s | nginx p50 | nginx p99 | Masthead/Ghost | Masthead/nginx |')
print('|---|---|---|---|---|---|---|---|---|---|---|---|---|')
for key in order:
    row = rows[key]
    print('| ' + ' | '.join([key[0], key[1], *cell(row, 'Ghost'), *cell(row, 'Masthead'), *cell(row, 'nginx'),
                             ratio(row, 'Masthead', 'Ghost'), ratio(row, 'Masthead', 'nginx')]) + ' |')
errors = [f'{server}, {key[0]}, c={key[1]}: {values[3]}' for key in order for server, values in rows[key].items() if values[3]]
print()
print('Errors: ' + ('none' if not errors else '; '.join(errors)))
PY
echo
echo "- Cold start, process spawn to the first 200 on \`/\` (database migrated and seeded): Ghost ${ghost_cold_ms} ms (polled every 0.1 s by run-ghost.sh), Masthead ${masthead_cold_ms} ms"
echo "- Peak resident memory (VmHWM) after the runs: Ghost $((ghost_hwm / 1024)) MB (node, ${ghost_procs} process(es)), Masthead $((masthead_hwm / 1024)) MB, nginx $((nginx_hwm / 1024)) MB"
echo "- Same content on both: Ghost's seeded site, exported as JSON and imported with its images into Masthead:" \
  "$(grep -E '^ +posts |^Images:' "$work/import.txt" | sed -E 's/^ +//; s/ +/ /g' | paste -sd ';' - | sed 's/;/; /g')"
echo "- Article: /$slug/, $(wc -c <"$work/static/$slug/index.html") bytes as Masthead sends it (Content-Encoding: ${encoding:-identity}); nginx serves those bytes from a file"
echo "- Masthead: $build build; Ghost: production mode, SQLite, default theme; nginx $("$nginx_bin" -v 2>&1 | sed 's/.*nginx\///'), one worker"
echo "- wrk -t1 -c<concurrency> -d${duration}s --timeout ${timeout} --latency, ${warm} s warm-up at c=8 first, ${accept}; wrk and the servers share the machine"
echo "- Machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(uname -sr)"
