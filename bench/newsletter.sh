#!/usr/bin/env bash
# Newsletter benchmark: sends one published post to MEMBERS imported members through a local SMTP
# listener (masthead-smtp-sink) and measures the import, the delivery rate and the server's peak
# memory; then repeats the send on a fresh database, SIGKILLs the server at about 30% and 60% of
# the deliveries, restarts it each time, and checks what the listener received against the CSV:
# who is missing, who was handed the same message twice (a repeat) and who got two different
# messages (a true duplicate). Prints a Markdown summary.
#
#   bench/newsletter.sh                               # SQLite, 100,000 members
#   DB=postgres MEMBERS=100000 bench/newsletter.sh    # PostgreSQL (database masthead_bench_nl)
#
# Environment: MEMBERS (default 100000), DB (sqlite or postgres, default sqlite), CONCURRENCY
# (SMTP connections, default 8), PG_URL (default postgres://postgres@127.0.0.1:5432/masthead_bench_nl;
# the database it names is dropped first),
# CARGO_TARGET_DIR (where the binaries are built and taken from, default target), PROFILE (the
# build profile whose binaries run, default release: PROFILE=debug runs $CARGO_TARGET_DIR/debug/
# and builds without --release; its figures are not comparable with a release build's),
# BUILD (0 skips cargo build), KEEP (1 keeps the work directory), TIMEOUT (seconds a send may
# take, default 900).
set -euo pipefail
# Measured without a voice being installed and stories narrated beside the load.
export MASTHEAD_VOICE_INSTALL=off
cd "$(dirname "$0")/.."

members="${MEMBERS:-100000}"
db_kind="${DB:-sqlite}"
concurrency="${CONCURRENCY:-8}"
pg_url="${PG_URL:-postgres://postgres@127.0.0.1:5432/masthead_bench_nl}"
target_dir="${CARGO_TARGET_DIR:-target}"
timeout_s="${TIMEOUT:-900}"
profile="${PROFILE:-release}"
case "$profile" in
  release) build_flags=(--release) ;;
  debug) build_flags=() ;;
  *) build_flags=(--profile "$profile") ;;
esac
bin="$target_dir/$profile/masthead"
sink_bin="$target_dir/$profile/masthead-smtp-sink"

# The database PG_URL names (dropped before each run) and the same server's maintenance database.
pg_db="${pg_url##*/}"; pg_db="${pg_db%%\?*}"
pg_admin_url="${pg_url%/*}/postgres"

export MASTHEAD_LOG=warn   # the CLI and the server log to stdout; keep it to warnings
case "$db_kind" in
  sqlite) unset MASTHEAD_DATABASE_URL ;;
  postgres) export MASTHEAD_DATABASE_URL="$pg_url" ;;
  *) echo "DB must be sqlite or postgres, not $db_kind" >&2; exit 2 ;;
esac

if [ "${BUILD:-1}" != 0 ]; then
  cargo build "${build_flags[@]}" -p masthead -p masthead-test-utils >&2
fi
if [ ! -x "$bin" ] || [ ! -x "$sink_bin" ]; then
  echo "no $profile binaries in $target_dir (masthead, masthead-smtp-sink): build them or drop BUILD=0" >&2
  exit 2
fi

work=$(mktemp -d)
server=""
sink=""
cleanup() {
  [ -n "$server" ] && kill "$server" 2>/dev/null || true
  [ -n "$sink" ] && kill "$sink" 2>/dev/null || true
  wait 2>/dev/null || true
  if [ "${KEEP:-0}" = 1 ]; then echo "Work directory kept: $work" >&2; else rm -rf "$work"; fi
}
trap cleanup EXIT

log() { echo "[$(date +%T)] $*" >&2; }
now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", b - a }'; }
free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
lines() { if [ -f "$1" ]; then wc -l <"$1"; else echo 0; fi; }
hwm_kb() { awk '/VmHWM/ {print $2}' "/proc/$1/status"; }
# CPU time in clock ticks: of a process (user + system), and of the whole machine (busy, all cores).
proc_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
machine_ticks() { awk '/^cpu / {print $2 + $3 + $4 + $7 + $8 + $9}' /proc/stat; }
# All PostgreSQL processes on the machine (backends started during the send count in full).
postgres_ticks() {
  local total=0 pid
  for pid in $(pgrep -x postgres || true); do total=$((total + $(proc_ticks "$pid" 2>/dev/null || echo 0))); done
  echo "$total"
}

# The CSV: member000001@bench.example ... , all subscribed to the default newsletter.
csv="$work/members.csv"
awk -v n="$members" 'BEGIN {
  print "email,name,subscribed_to_emails"
  for (i = 1; i <= n; i++) printf "member%06d@bench.example,Bench Member %d,true\n", i, i
}' >"$csv"

# A fresh database: migrate, seed the demo newsroom, import the CSV. Sets import_s.
prepare() {
  local data=$1
  if [ "$db_kind" = postgres ]; then
    psql -q "$pg_admin_url" -c "DROP DATABASE IF EXISTS \"$pg_db\"" >&2
  fi
  "$bin" migrate --data-dir "$data" >/dev/null
  "$bin" demo --data-dir "$data" >/dev/null
  local t0 out
  t0=$(now)
  out=$("$bin" members import --data-dir "$data" "$csv" --label bench)
  import_s=$(elapsed "$t0" "$(now)")
  out=$(echo "$out" | grep '^Imported' || true)
  log "$out ($import_s s)"
  case "$out" in
    "Imported $members members,"*) ;;
    *) echo "import did not add $members members: $out" >&2; exit 1 ;;
  esac
}

start_sink() {
  local dir=$1
  sink_port=$(free_port)
  "$sink_bin" --listen "127.0.0.1:$sink_port" --dir "$dir" --jsonl-only >"$dir.log" 2>&1 &
  sink=$!
  for _ in $(seq 1 100); do grep -q '^masthead-smtp-sink listening on' "$dir.log" && return; sleep 0.05; done
  echo "the SMTP sink did not start: $(cat "$dir.log")" >&2; exit 1
}

start_server() {
  local data=$1
  http_port=$(free_port)
  MASTHEAD_SMTP_URL="smtp://127.0.0.1:$sink_port" \
  MASTHEAD_MAIL_FROM='Bench <news@bench.example>' \
  MASTHEAD_SMTP_CONCURRENCY="$concurrency" \
  MASTHEAD_INSTANCE=bench \
    "$bin" serve --no-demo --listen "127.0.0.1:$http_port" --data-dir "$data" >>"$data.server.log" 2>&1 &
  server=$!
  for _ in $(seq 1 200); do curl -fs -o /dev/null "http://127.0.0.1:$http_port/" && return; sleep 0.05; done
  echo "the server did not start: $(tail -5 "$data.server.log")" >&2; exit 1
}

# The newest published post, from the RSS feed of the running server.
first_post_slug() {
  curl -fs "http://127.0.0.1:$http_port/rss/" | tr -d '\n' | grep -o '<item>.*' | grep -o '<link>[^<]*</link>' | head -1 |
    sed -E 's#<link>https?://[^/]*/([^<]*)</link>#\1#; s#/$##'
}

# Creates the send and prints its id.
create_send() {
  local data=$1 slug out
  slug=$(first_post_slug)
  [ -n "$slug" ] || { echo "no published post found in /rss/" >&2; exit 1; }
  out=$("$bin" email send --data-dir "$data" --post "$slug" --newsletter morning-brief \
    --site-url "http://127.0.0.1:$http_port")
  echo "$out" | grep -o 'send [^ ]* created' | awk '{print $2}'
}

# "status audience sent pending failed" of the newest send.
send_status() {
  "$bin" email status --data-dir "$1" | awk 'NR == 2 {print $2, $3, $4, $5, $6}'
}

# Polls `email status` every 0.5 s until the newest send has nothing pending and has left the
# "sending" state; prints its status line.
wait_until_sent() {
  local data=$1 deadline line status audience sent pending failed
  deadline=$(($(date +%s) + timeout_s))
  while :; do
    line=$(send_status "$data")
    read -r status audience sent pending failed <<<"$line"
    if [ "$pending" = 0 ] && [ "$status" != sending ] && [ "$status" != pending ]; then
      echo "$line"; return
    fi
    (($(date +%s) < deadline)) || { echo "the send did not finish: $line" >&2; exit 1; }
    sleep 0.5
  done
}

# ---------------------------------------------------------------- run 1: one uninterrupted send
log "Run 1: $members members on $db_kind, $concurrency SMTP connections"
data="$work/data1"
prepare "$data"
import1_s=$import_s
mkdir -p "$work/sink1"
start_sink "$work/sink1"
start_server "$data"
rss_start_kb=$(awk '/VmRSS/ {print $2}' "/proc/$server/status")
received="$work/sink1/received.jsonl"

t0=$(now)
cpu0_machine=$(machine_ticks); cpu0_server=$(proc_ticks "$server"); cpu0_sink=$(proc_ticks "$sink")
cpu0_pg=$(postgres_ticks)
send_id=$(create_send "$data")
t_created=$(now)
log "send $send_id created in $(elapsed "$t0" "$t_created") s"
deadline=$(($(date +%s) + timeout_s))
while (($(lines "$received") < members)); do
  if (($(date +%s) > deadline)); then echo "timed out at $(lines "$received") messages" >&2; exit 1; fi
  sleep 0.5
done
t_done=$(now)
cpu_machine=$(($(machine_ticks) - cpu0_machine))
cpu_server=$(($(proc_ticks "$server") - cpu0_server))
cpu_sink=$(($(proc_ticks "$sink") - cpu0_sink))
cpu_pg=$(($(postgres_ticks) - cpu0_pg))
send_s=$(elapsed "$t0" "$t_done")
create_s=$(elapsed "$t0" "$t_created")
rate=$(awk -v n="$members" -v s="$send_s" 'BEGIN { printf "%d", n / s }')
# Where the two cores went during the send; "other" is everything else on the machine (this
# script's polling included), which should be near zero for a clean figure.
read -r server_pct sink_pct pg_pct other_pct <<<"$(awk -v m="$cpu_machine" -v a="$cpu_server" -v b="$cpu_sink" \
  -v p="$cpu_pg" -v s="$send_s" -v hz="$(getconf CLK_TCK)" -v n="$(nproc)" \
  'BEGIN { t = s * hz * n; o = m - a - b - p; if (o < 0) o = 0  # tick accounting differs by a few
          printf "%.0f %.0f %.0f %.0f", 100 * a / t, 100 * b / t, 100 * p / t, 100 * o / t }')"
read -r status1 audience1 sent1 pending1 failed1 <<<"$(wait_until_sent "$data")"
peak1_kb=$(hwm_kb "$server")
kill "$server"; wait "$server" || true; server=""
kill "$sink"; wait "$sink" || true; sink=""
log "delivered $members messages in $send_s s ($rate/s), peak RSS $((peak1_kb / 1024)) MB"

# ---------------------------------------------------------------- run 2: SIGKILL at ~30% and ~60%
log "Run 2: the same send, SIGKILLed at about 30% and 60%"
data="$work/data2"
prepare "$data"
mkdir -p "$work/sink2"
start_sink "$work/sink2"
start_server "$data"
received="$work/sink2/received.jsonl"
send_id=$(create_send "$data")
peak2_kb=0
kills=()
for percent in 30 60; do
  mark=$((members * percent / 100))
  deadline=$(($(date +%s) + timeout_s))
  while (($(lines "$received") < mark)); do
    (($(date +%s) < deadline)) || { echo "timed out at $(lines "$received") messages" >&2; exit 1; }
    sleep 0.02
  done
  hwm=$(hwm_kb "$server"); ((hwm > peak2_kb)) && peak2_kb=$hwm
  kill -9 "$server"; wait "$server" 2>/dev/null || true; server=""
  kills+=("$(lines "$received")")
  log "SIGKILL at $percent%: the sink had $(lines "$received") messages"
  start_server "$data"
done
read -r status2 audience2 sent2 pending2 failed2 <<<"$(wait_until_sent "$data")"
sleep 1   # let the last conversations reach the log
hwm=$(hwm_kb "$server"); ((hwm > peak2_kb)) && peak2_kb=$hwm
kill "$server"; wait "$server" || true; server=""
kill "$sink"; wait "$sink" || true; sink=""

# What the listener received, against the CSV.
read -r handed distinct missing repeated repeats duplicates strangers <<<"$(python3 - "$received" "$csv" <<'PY'
import csv, json, sys
received, members = sys.argv[1:3]
audience = {row["email"].lower() for row in csv.DictReader(open(members))}
ids = {}                                # recipient -> Message-IDs handed over, with repeats
handed = 0
for line in open(received):
    mail = json.loads(line)
    handed += 1
    for rcpt in mail["rcpt_to"]:
        ids.setdefault(rcpt.lower(), []).append(mail["message_id"])
missing = len(audience - ids.keys())
repeated = sum(1 for v in ids.values() if len(v) > 1)            # recipients with more than one line
repeats = sum(len(v) - 1 for v in ids.values())                  # extra lines
duplicates = sum(1 for v in ids.values() if len(set(v)) > 1)     # two different Message-IDs
strangers = len(ids.keys() - audience)
print(handed, len(ids), missing, repeated, repeats, duplicates, strangers)
PY
)"

# ---------------------------------------------------------------- summary
echo "| Measure | Value |"
echo "|---|---|"
echo "| Database | $db_kind |"
echo "| Build profile | $profile |"
echo "| Members imported (CSV, one command) | $members in $import1_s s |"
echo "| Send created by the CLI (the server then freezes the audience) | $create_s s |"
echo "| Delivered, send creation to the last message at the listener | $members in $send_s s |"
echo "| Messages/s | $rate |"
echo "| Send status afterwards | $status1, audience $audience1, sent $sent1, pending $pending1, failed $failed1 |"
echo "| CPU during the send (share of all $(nproc) cores) | server $server_pct%, sink $sink_pct%, PostgreSQL $pg_pct%, everything else $other_pct% |"
echo "| Server RSS | $((rss_start_kb / 1024)) MB after start, peak $((peak1_kb / 1024)) MB |"
echo "| Crash run: SIGKILLs (messages at the listener) | ${#kills[@]} (at ${kills[*]}) |"
echo "| Crash run: handed over / distinct recipients | $handed / $distinct |"
echo "| Crash run: missing recipients | $missing |"
echo "| Crash run: repeats (same Message-ID again) | $repeats extra, $repeated recipients |"
echo "| Crash run: true duplicates (two Message-IDs) | $duplicates |"
echo "| Crash run: recipients outside the CSV | $strangers |"
echo "| Crash run: send status afterwards | $status2, sent $sent2, pending $pending2, failed $failed2 |"
echo "| Crash run: peak RSS over the three processes | $((peak2_kb / 1024)) MB |"
echo
echo "- SMTP: masthead-smtp-sink on 127.0.0.1 (received.jsonl only), $concurrency connections; sink, server and CLI on the same machine"
if ((other_pct > 15)); then
  echo "- Warning: other processes used $other_pct% of the machine during the timed send; the rate is not clean"
fi
echo "- Machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%d GiB", $2/1048576}' /proc/meminfo), $(uname -sr)"
