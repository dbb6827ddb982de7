#!/usr/bin/env bash
# Sign-in load benchmark: wrk measures the cached home page alone, then again while SIGNINS
# clients keep signing in to the newsroom with wrong passwords. Each sign-in comes from a new
# forwarded address (the server trusts 127.0.0.1 as its proxy), so none is throttled and every
# one costs an Argon2 check, as a password-spraying botnet's would. Argon2 runs on blocking
# threads, at most one per core; the question is what that leaves for readers. Prints a
# Markdown summary.
#
#   bench/signin-load.sh                               # release build, SQLite in a temporary data dir
#   MASTHEAD_DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_signin bench/signin-load.sh
#   BIN=target/debug/masthead BUILD=0 DURATION=5 bench/signin-load.sh   # a quick check of the script
#
# Environment: DURATION (seconds per measurement, default 15), SIGNINS (concurrent sign-ins,
# default 200), CONNECTIONS (wrk connections on the home page, default 32), PORT (default 18182),
# CARGO_TARGET_DIR (where the release build goes, default target), BIN (the binary, default the
# release build), BUILD (0 skips cargo build).
set -euo pipefail
# Measured without a voice being installed and stories narrated beside the load.
export MASTHEAD_VOICE_INSTALL=off
cd "$(dirname "$0")/.."

duration="${DURATION:-15}"
signins="${SIGNINS:-200}"
connections="${CONNECTIONS:-32}"
port="${PORT:-18182}"
target_dir="${CARGO_TARGET_DIR:-target}"
bin="${BIN:-$target_dir/release/masthead}"

if ! command -v wrk >/dev/null; then
  echo "Installing wrk (Debian package)..." >&2
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null
fi
if [ "${BUILD:-1}" != 0 ]; then
  cargo build --release -p masthead >&2
fi

work=$(mktemp -d)
server=""
signin_load=""
cleanup() {
  [ -n "$signin_load" ] && kill "$signin_load" 2>/dev/null || true
  [ -n "$server" ] && kill "$server" 2>/dev/null || true
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

export MASTHEAD_LOG=warn   # every failed sign-in is an info line
"$bin" demo --data-dir "$work/data" >/dev/null
"$bin" serve --no-demo --data-dir "$work/data" --listen "127.0.0.1:$port" --trusted-proxies 127.0.0.1 \
  >"$work/server.log" 2>&1 &
server=$!
base="http://127.0.0.1:$port"
for _ in $(seq 1 400); do curl -fs -o /dev/null "$base/" && break; sleep 0.05; done
curl -fs -o /dev/null -H 'Accept-Encoding: gzip, br' "$base/"   # the page cache is warm

# Wrong passwords for addresses nobody has, each from a new 10.x.y.z behind the "proxy"; the
# statuses are counted per thread and summed at the end.
cat >"$work/signin.lua" <<'LUA'
local threads = {}
function setup(thread)
  table.insert(threads, thread)
  thread:set("id", #threads)
end
function init(args)
  n = 0
  statuses = {}
  math.randomseed(os.time() + id * 7919)
end
function request()
  n = n + 1
  local forwarded = string.format("10.%d.%d.%d", math.random(0, 255), math.random(0, 255), math.random(1, 254))
  local body = string.format("email=nobody%d.%d%%40bench.example&password=not+the+password", id, n)
  return wrk.format("POST", "/admin/signin/", {
    ["Content-Type"] = "application/x-www-form-urlencoded",
    ["Sec-Fetch-Site"] = "same-origin",
    ["X-Forwarded-For"] = forwarded,
  }, body)
end
function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
end
function done(summary, latency, requests)
  local total = {}
  for _, thread in ipairs(threads) do
    for status, count in pairs(thread:get("statuses")) do
      total[status] = (total[status] or 0) + count
    end
  end
  for status, count in pairs(total) do
    io.write(string.format("status %d: %d\n", status, count))
  end
end
LUA

home() {
  wrk -t1 -c"$connections" -d"${duration}s" --latency -H 'Accept-Encoding: gzip, deflate, br' "$base/"
}
row() {
  local name=$1 out=$2
  local rps p50 p99 errors
  rps=$(echo "$out" | awk '/Requests\/sec/ {print $2}')
  p50=$(echo "$out" | awk '$1 == "50%" {print $2}')
  p99=$(echo "$out" | awk '$1 == "99%" {print $2}')
  errors=$(echo "$out" | awk '/Non-2xx|Socket errors/ {print}' | tr '\n' ' ')
  echo "| $name | ${rps%.*} | $p50 | $p99 | ${errors:-none} |"
}

alone=$(home)
# The sign-ins start first and outlast the measurement; a sign-in waits its turn for Argon2, so
# its timeout is generous.
wrk -t2 -c"$signins" -d"$((duration + 6))s" --timeout 60s --latency -s "$work/signin.lua" "$base/admin/signin/" \
  >"$work/signin.out" 2>&1 &
signin_load=$!
sleep 3
during=$(home)
wait "$signin_load" || true
signin_load=""
peak_kb=$(awk '/VmHWM/ {print $2}' "/proc/$server/status")

echo "| Cached home page (/) | Requests/s | p50 | p99 | Errors |"
echo "|---|---|---|---|---|"
row "alone" "$alone"
row "during $signins concurrent sign-ins" "$during"
echo
sign_rps=$(awk '/Requests\/sec/ {print $2}' "$work/signin.out")
sign_p50=$(awk '$1 == "50%" {print $2}' "$work/signin.out")
sign_p99=$(awk '$1 == "99%" {print $2}' "$work/signin.out")
sign_errors=$(awk '/Socket errors/ {print}' "$work/signin.out")
statuses=$(awk '/^status / {printf "%s%s", sep, $0; sep = ", "}' "$work/signin.out")
echo "- Sign-ins (wrong passwords, each from a new forwarded address): ${sign_rps%.*}/s, p50 $sign_p50, p99 $sign_p99; ${statuses:-no responses}${sign_errors:+; $sign_errors}"
echo "- Peak resident memory of the server: $((peak_kb / 1024)) MB"
echo "- Home page: wrk -t1 -c$connections -d${duration}s --latency; sign-ins: wrk -t2 -c$signins --timeout 60s; load generators on the same machine"
echo "- Machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%d GiB", $2/1048576}' /proc/meminfo), $(uname -sr)"
