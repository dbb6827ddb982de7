#!/usr/bin/env bash
# Growth benchmark: a generated archive of POSTS stories (`masthead demo --posts N`), then what a
# newsroom with years of stories feels: uncached pages and answers (each URL asked once, so each
# is rendered: articles, home, tag and author pages at any page number, Content API browses
# filtered by tag and date at any page, every sitemap file), the cached article and home page
# under wrk, and the server's peak memory, all once the demo's one-off work (photos, narrations)
# is done and the server restarted. Prints a Markdown report.
#
#   bench/growth.sh                                   # SQLite, 100,000 stories
#   DB=postgres bench/growth.sh                       # PostgreSQL (database masthead_bench_growth)
#   POSTS=2000 QUICK=1 MASTHEAD_BIN=target/debug/masthead bench/growth.sh   # what .ci/run does
#
# Environment: POSTS (default 100000), DB (sqlite or postgres), PG_URL (default
# postgres://postgres@127.0.0.1:5432/masthead_bench_growth, dropped first), SAMPLES (uncached
# URLs per kind, default 200), DURATION (seconds per wrk run, default 10), QUICK (1: no wrk, few
# samples; checks that everything answers), MASTHEAD_BIN (default the release build, built
# unless BUILD=0), PORT (default 18191), KEEP (1 keeps the data directory).
set -euo pipefail
export MASTHEAD_VOICE_INSTALL=off
cd "$(dirname "$0")/.."

posts="${POSTS:-100000}"
db_kind="${DB:-sqlite}"
pg_url="${PG_URL:-postgres://postgres@127.0.0.1:5432/masthead_bench_growth}"
quick="${QUICK:-0}"
samples="${SAMPLES:-200}"
[ "$quick" = 1 ] && samples="${SAMPLES:-20}"
duration="${DURATION:-10}"
port="${PORT:-18191}"
bin="${MASTHEAD_BIN:-${CARGO_TARGET_DIR:-target}/release/masthead}"

if [ -z "${MASTHEAD_BIN:-}" ] && [ "${BUILD:-1}" != 0 ]; then
  cargo build --release -p masthead >&2
fi
if [ "$quick" != 1 ] && ! command -v wrk >/dev/null; then
  echo "Installing wrk (Debian package)..." >&2
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null
fi

export MASTHEAD_LOG=warn
work=$(mktemp -d)
server=""
cleanup() {
  [ -n "$server" ] && kill "$server" 2>/dev/null || true
  wait 2>/dev/null || true
  if [ "${KEEP:-0}" = 1 ]; then echo "Data directory kept: $work" >&2; else rm -rf "$work"; fi
}
trap cleanup EXIT
. bench/database.sh
. bench/settle.sh
use_database "$db_kind" "$pg_url"

# The demo newsroom first (its photos are the archive's), then the archive, timed on its own.
"$bin" demo --data-dir "$work" >/dev/null
start=$(date +%s.%N)
/usr/bin/time -f '%M' -o "$work/generate.rss" "$bin" demo --data-dir "$work" --posts "$posts" >"$work/generate.log"
generate_s=$(awk -v a="$start" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')
grep '^Archive:' "$work/generate.log" | tail -1 >&2
keys=$("$bin" integration add --data-dir "$work" --name Growth)
content_key=$(echo "$keys" | sed -n 's/^ *Content API key: *//p')
admin_key=$(echo "$keys" | sed -n 's/^ *Admin API key: *//p')
# The search index, built before the server starts (as `masthead search reindex` does for an
# operator), so the figures below are not taken while a server builds it.
start=$(date +%s.%N)
/usr/bin/time -f '%M' -o "$work/reindex.rss" "$bin" search reindex --data-dir "$work" >"$work/reindex.log"
reindex_s=$(awk -v a="$start" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')
index_mb=$(du -sm "$work/search/index" | cut -f1)

base="http://127.0.0.1:$port"
serve() {
  "$bin" serve --no-demo --data-dir "$work" --listen "127.0.0.1:$port" >>"$work/serve.log" 2>&1 &
  server=$!
  for _ in $(seq 1 400); do curl -fs -o /dev/null "$base/" && break; sleep 0.05; done
}
serve
# The demo's one-off work (its photos, and its stories' narrations when a voice is installed) is
# left to finish and reported on its own, then the server is restarted, as bench/run.sh does: the
# figures below are the archive's serving, not serving beside a first start's narrations. Quick
# runs skip this.
settled=""
if [ "$quick" != 1 ]; then
  settle "$server"
  settled="- Before the runs, the demo's one-off work (photos, narrations) took ${settle_s} s, the server's peak meanwhile $((settle_kb / 1024)) MB; the server was then restarted"
  kill "$server"; wait "$server" 2>/dev/null || true
  serve
fi
# The server's own memory (RssAnon: its heap, caches and stacks) at its highest, sampled every
# 0.2 s: VmHWM also counts the pages of mapped files (the binary, the search index), which
# belong to the kernel's page cache and grow with every part of the index a search reads.
( peak=0
  while kill -0 "$server" 2>/dev/null; do
    anon=$(awk '/RssAnon/ {print $2}' "/proc/$server/status" 2>/dev/null || echo 0)
    [ "${anon:-0}" -gt "$peak" ] && peak=$anon && echo "$peak" >"$work/anon.peak"
    sleep 0.2
  done ) &
sampler=$!

echo "## Growth: $posts stories on $db_kind"
echo
echo "- Generating the archive (\`masthead demo --posts $posts\`): ${generate_s} s, peak memory $(( $(cat "$work/generate.rss") / 1024 )) MB"
echo "- $(grep '^Archive:' "$work/generate.log" | tail -1 | sed 's/^Archive: //')"
echo "- Building the search index (\`masthead search reindex\`): ${reindex_s} s, peak memory $(( $(cat "$work/reindex.rss") / 1024 )) MB, ${index_mb} MB on disk"
[ -n "$settled" ] && echo "$settled"
echo

# Uncached: every URL is asked once, on one keep-alive connection, so each answer is rendered.
python3 - "$base" "$content_key" "$samples" "$quick" <<'PY'
import http.client, random, re, sys, time, urllib.parse

base, key, samples, quick = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4] == "1"
host = urllib.parse.urlparse(base)
conn = http.client.HTTPConnection(host.hostname, host.port, timeout=60)
rng = random.Random(7)

def get(path):
    started = time.perf_counter()
    conn.request("GET", path, headers={"Accept-Encoding": "gzip, deflate, br"})
    response = conn.getresponse()
    body = response.read()
    elapsed = (time.perf_counter() - started) * 1000
    return response.status, body, elapsed

def must(path):
    status, body, elapsed = get(path)
    if status != 200:
        sys.exit(f"{path} answered {status}")
    return body, elapsed

def uncompressed(path):
    conn.request("GET", path)
    response = conn.getresponse()
    body = response.read()
    if response.status != 200:
        sys.exit(f"{path} answered {response.status}")
    return body.decode()

# What there is to ask for: every sitemap file (read without compression, which does not render
# anything twice: the compressed and plain forms are one cache entry) gives the URLs.
index = uncompressed("/sitemap.xml")
files = [urllib.parse.urlparse(u).path for u in re.findall(r"<loc>([^<]+)</loc>", index)]
urls = {}
sitemap_times = []
for f in files:
    started = time.perf_counter()
    text = uncompressed(f)
    sitemap_times.append((time.perf_counter() - started) * 1000)
    kind = re.match(r"/sitemap-([a-z]+)", f).group(1)
    urls.setdefault(kind, []).extend(urllib.parse.urlparse(u).path for u in re.findall(r"<loc>([^<]+)</loc>", text))
articles = urls.get("posts", [])

PAGE_SIZE = 15  # stories per site page

def api(path):
    import json
    return json.loads(uncompressed(f"/ghost/api/content/{path}{'&' if '?' in path else '?'}key={key}"))

def pages(count):
    return max(1, -(-count // PAGE_SIZE))

# Tags and authors with pages: those the sitemaps list, with their counts from the Content API.
def slugs(kind):
    return {u.rstrip("/").rsplit("/", 1)[-1] for u in urls.get(kind, [])}
tag_counts = {t["slug"]: t["count"]["posts"] for t in api("tags/?limit=all&include=count.posts")["tags"]
              if t["slug"] in slugs("tags")}
author_counts = {a["slug"]: a["count"]["posts"] for a in api("authors/?limit=all&include=count.posts")["authors"]
                 if a["slug"] in slugs("authors")}
total = api("posts/?limit=1&fields=id")["meta"]["pagination"]["total"]

def percentile(values, p):
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]

rows = []
def measure(name, paths):
    times = [must(p)[1] for p in paths]
    rows.append((name, len(times), percentile(times, 50), percentile(times, 99), max(times)))

measure("article", rng.sample(articles, min(samples, len(articles))))
home_pages = pages(total)
measure(f"home, any page (1-{home_pages})",
        list(dict.fromkeys(["/"] + [f"/page/{rng.randint(2, home_pages)}/" for _ in range(samples - 1)])))
def list_paths(base_path, counts):
    chosen = []
    for slug in rng.choices(sorted(counts), k=samples):
        n = rng.randint(1, pages(counts[slug]))
        chosen.append(f"/{base_path}/{slug}/" if n == 1 else f"/{base_path}/{slug}/page/{n}/")
    return list(dict.fromkeys(chosen))
measure("tag page, any page", list_paths("tag", tag_counts))
measure("author page, any page", list_paths("author", author_counts))
api = []
for _ in range(samples):
    tag = rng.choice(sorted(tag_counts))
    year = rng.randint(2016, 2025)
    page = rng.choice([1, 1, 2, 3, 5, 10, 20])
    api.append(f"/ghost/api/content/posts/?key={key}&filter=tag:{tag}%2Bpublished_at:%3E'{year}-01-01'"
               f"&limit=15&page={page}&include=tags,authors")
measure("Content API: tag + date filter, limit 15, include=tags,authors", list(dict.fromkeys(api)))

print("| Uncached (each URL once) | URLs | p50 | p99 | max |")
print("|---|---|---|---|---|")
for name, n, p50, p99, top in rows:
    print(f"| {name} | {n} | {p50:.1f} ms | {p99:.1f} ms | {top:.1f} ms |")
print(f"| sitemap files (index and {len(files)} files) | {len(sitemap_times)} | {percentile(sitemap_times, 50):.1f} ms | "
      f"{percentile(sitemap_times, 99):.1f} ms | {max(sitemap_times):.1f} ms |")
print()
print(f"- Sitemap index lists {len(files)} files: {sum(1 for f in files if 'posts' in f)} of stories, "
      f"{len(articles)} stories in all")
PY

if [ "$quick" != 1 ]; then
  article=$(curl -fs "$base/sitemap-posts.xml" | sed -nE 's#.*<loc>https?://[^/]+(/[^<]*)</loc>.*#\1#p' | sed -n 1p)
  api="/ghost/api/content/posts/?key=$content_key&limit=15&include=tags,authors"
  echo
  echo "| Cached | Concurrency | Requests/s | p50 | p99 |"
  echo "|---|---|---|---|---|"
  for path in "/" "$article" "$api"; do
    name=$path; [ "$path" = "/" ] && name="home (/)"; [ "$path" = "$article" ] && name="article"
    [ "$path" = "$api" ] && name="Content API, 15 posts with tags and authors"
    for c in 32 128; do
      curl -fs -o /dev/null -H 'Accept-Encoding: gzip, br' "$base$path"
      out=$(wrk -t1 -c"$c" -d"${duration}s" --latency -H 'Accept-Encoding: gzip, deflate, br' "$base$path")
      rps=$(echo "$out" | awk '/Requests\/sec/ {print $2}')
      p50=$(echo "$out" | awk '$1 == "50%" {print $2}')
      p99=$(echo "$out" | awk '$1 == "99%" {print $2}')
      echo "| $name | $c | ${rps%.*} | $p50 | $p99 |"
    done
  done
fi

# Search: queries of each kind, each asked once (search answers are never cached), then how long
# a story published through the Admin API takes to be found.
echo
python3 - "$base" "$admin_key" "$samples" <<'PY'
import base64, hashlib, hmac, http.client, json, random, re, sys, time, urllib.parse

base, admin_key, samples = sys.argv[1], sys.argv[2], int(sys.argv[3])
host = urllib.parse.urlparse(base)
conn = http.client.HTTPConnection(host.hostname, host.port, timeout=60)
rng = random.Random(11)

def get(path):
    started = time.perf_counter()
    conn.request("GET", path)
    response = conn.getresponse()
    body = response.read().decode()
    return response.status, body, (time.perf_counter() - started) * 1000

def percentile(values, p):
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]

# Words and phrases from the archive's own story addresses, so every query has results to rank.
sitemap = "".join(get(f"/sitemap-posts{suffix}.xml")[1] for suffix in ["", "-2", "-3"])
words = sorted({w.lower() for t in re.findall(r"<loc>[^<]*/([a-z0-9-]+)/</loc>", sitemap) for w in t.split("-") if len(w) >= 6})
tags = re.findall(r'<option value="([a-z0-9-]+)"', get("/search/")[1])
if not words:
    sys.exit("no words to search for")

def typo(word):
    i = rng.randrange(1, len(word) - 1)
    return word[:i] + word[i + 1] + word[i] + word[i + 2:]

kinds = {
    "single word": lambda: rng.choice(words),
    "two words": lambda: f"{rng.choice(words)} {rng.choice(words)}",
    "phrase": lambda: '"' + " ".join(rng.choice(re.findall(r"<loc>[^<]*/([a-z0-9-]+)/</loc>", sitemap)).split("-")[:2]) + '"',
    "word + section + year": lambda: f"{rng.choice(words)}&tag={rng.choice(tags)}&from={rng.randint(2016, 2025)}-01-01",
    "misspelt word": lambda: typo(rng.choice(words)),
}
print("| Search (each query once) | queries | p50 | p99 | max |")
print("|---|---|---|---|---|")
for name, make in kinds.items():
    times = []
    for _ in range(samples):
        q = make()
        text, _, rest = q.partition("&")
        path = "/search/?q=" + urllib.parse.quote(text) + ("&" + rest if rest else "")
        status, body, elapsed = get(path)
        if status != 200:
            sys.exit(f"{path} answered {status}")
        times.append(elapsed)
    print(f"| {name} | {len(times)} | {percentile(times, 50):.1f} ms | {percentile(times, 99):.1f} ms | {max(times):.1f} ms |")

# Indexing lag: a story published through the Admin API, then searched for until found.
key_id, secret = admin_key.split(":")
def token():
    now = int(time.time())
    b64 = lambda b: base64.urlsafe_b64encode(b).rstrip(b"=")
    header = b64(json.dumps({"alg": "HS256", "typ": "JWT", "kid": key_id}).encode())
    claims = b64(json.dumps({"iat": now, "exp": now + 300, "aud": "/admin/"}).encode())
    signature = b64(hmac.new(bytes.fromhex(secret), header + b"." + claims, hashlib.sha256).digest())
    return (header + b"." + claims + b"." + signature).decode()
lags = []
for n in range(10 if samples >= 50 else 3):
    word = "lagcheck" + "".join(rng.choice("abcdefghij") for _ in range(8))
    body = json.dumps({"posts": [{"title": f"Search lag {word}", "status": "published", "markdown": f"Body {word}."}]})
    conn.request("POST", "/ghost/api/admin/posts/?source=html", body=body,
                 headers={"Authorization": f"Ghost {token()}", "Content-Type": "application/json"})
    response = conn.getresponse()
    response.read()
    if response.status != 201:
        sys.exit(f"publishing answered {response.status}")
    published = time.perf_counter()
    while True:
        status, page, _ = get(f"/search/?q={word}")
        if "search-result__title" in page:
            break
        if time.perf_counter() - published > 30:
            sys.exit("a published story was not found within 30 s")
        time.sleep(0.02)
    lags.append((time.perf_counter() - published) * 1000)
print()
print(f"- Indexing lag (published through the Admin API until found, {len(lags)} stories): "
      f"p50 {percentile(lags, 50):.0f} ms, max {max(lags):.0f} ms")
PY

echo
status="/proc/$server/status"
kill "$sampler" 2>/dev/null || true
anon_end=$(awk '/RssAnon/ {print $2}' "$status")
anon_peak=$(cat "$work/anon.peak" 2>/dev/null || echo 0)
[ "$anon_end" -gt "$anon_peak" ] && anon_peak=$anon_end
echo "- Server peak resident memory: $(( $(awk '/VmHWM/ {print $2}' "$status") / 1024 )) MB;" \
  "its own memory at its highest: $(( anon_peak / 1024 )) MB; resident at the end:" \
  "$(( anon_end / 1024 )) MB the server's own memory," \
  "$(( $(awk '/RssFile/ {print $2}' "$status") / 1024 )) MB mapped files (the binary, the search index)"
