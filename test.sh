#!/usr/bin/env bash
# Runs every test Masthead has: the Rust suites (storage and HTTP tests on SQLite and on
# PostgreSQL, media tests on an S3-compatible server, payment tests on a local Stripe stand-in,
# two instances behind nginx on a PostgreSQL cluster of their own) and the browser tests
# (Playwright driving Debian's Chromium against the real binary). Prerequisites that can be
# installed here are installed; see README.md.
set -euo pipefail
cd "$(dirname "$0")"

chromium="${CHROMIUM_PATH:-/usr/bin/chromium}"
if [ ! -x "$chromium" ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "Installing Chromium (Debian package) for the browser tests..."
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  else
    echo "error: the browser tests need Chromium at $chromium: run 'sudo apt-get install -y chromium' or set CHROMIUM_PATH" >&2
    exit 1
  fi
fi
# nginx, the load balancer in front of the two-instance test.
if [ ! -x /usr/sbin/nginx ] && ! command -v nginx >/dev/null; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "Installing nginx (Debian package) for the two-instance test..."
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx >/dev/null
    # The package starts a system nginx on port 80; the test runs its own.
    service nginx stop >/dev/null 2>&1 || true
  else
    echo "error: the two-instance test needs nginx: run 'sudo apt-get install -y nginx'" >&2
    exit 1
  fi
fi
# espeak-ng, the voice the narration tests speak with (directly, and behind the stand-in for
# OpenAI-compatible speech servers).
if ! command -v espeak-ng >/dev/null; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "Installing espeak-ng (Debian package) for the narration tests..."
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq espeak-ng >/dev/null
  else
    echo "error: the narration tests need espeak-ng: run 'sudo apt-get install -y espeak-ng'" >&2
    exit 1
  fi
fi
# moto's server mode, the S3-compatible server the media tests store images in.
if ! command -v moto_server >/dev/null; then
  echo "Installing moto's S3 server (PyPI) for the media tests..."
  python3 -m pip install --quiet 'moto[server]==5.2.1'
  # pip puts the command beside the Python it ran with, which may not be on PATH yet.
  PATH="$PATH:$(python3 -c 'import sysconfig; print(sysconfig.get_path("scripts"))')"
  export PATH
fi
# localstripe, the base of the Stripe stand-in the payment tests talk to.
if ! python3 -c 'import localstripe' 2>/dev/null; then
  echo "Installing localstripe (PyPI) for the payment tests..."
  python3 -m pip install --quiet 'localstripe==1.15.10'
fi
# PocketSphinx (PyPI; its wheel carries the US English model), the listener in the narration
# intelligibility test.
if ! python3 -c 'import pocketsphinx' 2>/dev/null; then
  echo "Installing PocketSphinx (PyPI) for the narration intelligibility test..."
  python3 -m pip install --quiet 'pocketsphinx==5.1.1'
fi
if [ ! -d e2e/node_modules ] || [ e2e/package-lock.json -nt e2e/node_modules/.package-lock.json ]; then
  (cd e2e && npm ci --no-audit --no-fund)
fi

log=$(mktemp)
trap 'rm -f "$log"' EXIT

echo "== Rust tests (SQLite and PostgreSQL) =="
# Everything `cargo test --workspace` runs, built in one go with the features the tests unify, so
# the binaries the browser tests and the commands below use are the ones the tests build (built
# apart, the libraries they share were compiled twice).
cargo build --workspace --bins --tests
# The hibari voice for the narration tests, kept between runs so it is downloaded once.
voice_data="${MASTHEAD_VOICE_DATA:-${XDG_CACHE_HOME:-$HOME/.cache}/masthead}"
"${CARGO_TARGET_DIR:-target}/debug/masthead" voices install --data-dir "$voice_data"
export MASTHEAD_VOICE_DIR="$voice_data/voices/hibari-0.2.1"
cargo test --workspace 2>&1 | tee -a "$log"

echo "== Browser tests =="
target_dir="${CARGO_TARGET_DIR:-target}"
case "$target_dir" in /*) ;; *) target_dir="$PWD/$target_dir" ;; esac
export MASTHEAD_BIN="$target_dir/debug/masthead"
(cd e2e && npx playwright test) 2>&1 | tee -a "$log"

echo "== Ghost's official clients (Content and Admin API) on SQLite and PostgreSQL =="
clients/run.sh 2>&1 | tee -a "$log"

rust_passed=$(grep -E '^test result: ok\.' "$log" | sed -E 's/.* ([0-9]+) passed.*/\1/' | awk '{ s += $1 } END { print s + 0 }')
browser_passed=$(grep -E '^ +[0-9]+ passed' "$log" | tail -1 | awk '{ print $1 + 0 }')
client_passed=$(grep -E '^ℹ pass [0-9]+' "$log" | awk '{ s += $3 } END { print s + 0 }')
echo "masthead: $((rust_passed + browser_passed + client_passed)) passed, 0 failed"
