#!/usr/bin/env bash
# Narration speed: the hibari voice (release build, one ONNX thread) speaking an 800-word text,
# the intelligibility test's 80-word news paragraph ten times over. Prints the words, the
# seconds of audio, the seconds it took and the real-time factor (lower is faster).
#
#   bench/narration.sh
#
# The voice is installed into ~/.cache/masthead first if it is not there (MASTHEAD_VOICE_DATA
# overrides the folder).
set -euo pipefail
cd "$(dirname "$0")/.."
data="${MASTHEAD_VOICE_DATA:-${XDG_CACHE_HOME:-$HOME/.cache}/masthead}"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
python3 - crates/masthead-narration/tests/it/hibari.rs > "$work/paragraph.txt" <<'PY'
import re, sys
source = open(sys.argv[1]).read()
literal = re.search(r'const PARAGRAPH: &str = "(.*?)";', source, re.S).group(1)
print(re.sub(r'\\\n\s*', '', literal))
PY
for _ in $(seq 10); do cat "$work/paragraph.txt"; done > "$work/article.txt"
cargo run -q -p masthead-narration --release --example narrate -- "$data" "$work/article.txt" "$work/article.wav"
