#!/usr/bin/env bash
# Two builds side by side on one archive: the uncached pages of `growth.sh`, asked of each build
# in turn. Runs of one build on this kind of machine differ by several milliseconds of p99, more
# than many changes are worth; serving the same archive with both builds, round after round, the
# same URLs for both, tells them apart. Prints a Markdown table.
#
#   A=/tmp/masthead-before B=target/release/masthead bench/ab-uncached.sh
#   DB=postgres A=... B=... bench/ab-uncached.sh
#
# Environment: A and B (the two builds; A also generates the archive), POSTS (default 100000),
# DB (sqlite or postgres), PG_URL (default postgres://postgres@127.0.0.1:5432/masthead_bench_ab,
# dropped first), ROUNDS (default 2), SAMPLES (URLs per kind and round, default 200), PORT
# (default 18192).
set -euo pipefail
export MASTHEAD_VOICE_INSTALL=off MASTHEAD_LOG=warn
cd "$(dirname "$0")/.."

: "${A:?A must name the first build}" "${B:?B must name the second build}"
posts="${POSTS:-100000}"
db_kind="${DB:-sqlite}"
pg_url="${PG_URL:-postgres://postgres@127.0.0.1:5432/masthead_bench_ab}"
rounds="${ROUNDS:-2}"
samples="${SAMPLES:-200}"
port="${PORT:-18192}"

work=$(mktemp -d)
server=""
cleanup() {
  [ -n "$server" ] && kill "$server" 2>/dev/null || true
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
. bench/database.sh
use_database "$db_kind" "$pg_url"

"$A" demo --data-dir "$work" >/dev/null
"$A" demo --data-dir "$work" --posts "$posts" | grep '^Archive:' | tail -1 >&2
key=$("$A" integration add --data-dir "$work" --name AB | sed -n 's/^ *Content API key: *//p')

echo "## Uncached pages, two builds on one archive of $posts stories ($db_kind)"
echo
echo "- A: \`$A\`"
echo "- B: \`$B\`"
echo
echo "| Round | Build | article p50 / p99 | home, any page, p50 / p99 | tag page p50 / p99 | Content API filter p50 / p99 |"
echo "|---|---|---|---|---|---|"
for round in $(seq 1 "$rounds"); do
  for build in A B; do
    bin=${!build}
    "$bin" serve --no-demo --data-dir "$work" --listen "127.0.0.1:$port" >>"$work/serve.log" 2>&1 &
    server=$!
    for _ in $(seq 1 400); do curl -fs -o /dev/null "http://127.0.0.1:$port/" && break; sleep 0.05; done
    row=$(python3 - "$port" "$key" "$samples" "$round" <<'PY'
import http.client, json, random, re, sys, time

port, key, samples, seed = int(sys.argv[1]), sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
rng = random.Random(seed)

def get(path, compressed=True):
    started = time.perf_counter()
    conn.request("GET", path, headers={"Accept-Encoding": "gzip, deflate, br"} if compressed else {})
    response = conn.getresponse()
    body = response.read()
    if response.status != 200:
        sys.exit(f"{path} answered {response.status}")
    return body, (time.perf_counter() - started) * 1000

def api(path):
    return json.loads(get(f"/ghost/api/content/{path}{'&' if '?' in path else '?'}key={key}", False)[0])

def percentile(values, p):
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]

def timed(paths):
    times = [get(p)[1] for p in paths]
    return f"{percentile(times, 50):.1f} / {percentile(times, 99):.1f} ms"

# The same URLs for both builds, chosen from the archive with this round's seed. Articles come
# from the first file of the stories' sitemap (1,000 stories); each URL is asked once.
total = api("posts/?limit=1&fields=id")["meta"]["pagination"]["total"]
tags = {t["slug"]: t["count"]["posts"] for t in api("tags/?limit=all&include=count.posts")["tags"]
        if t["count"]["posts"] and t["visibility"] == "public"}
index = get("/sitemap-posts.xml", False)[0].decode()
articles = [re.sub(r"^https?://[^/]+", "", u) for u in re.findall(r"<loc>([^<]+)</loc>", index)]
pages = lambda n: max(1, -(-n // 15))
article = timed(rng.sample(articles, min(samples, len(articles))))
home = timed(list(dict.fromkeys(f"/page/{rng.randint(2, pages(total))}/" for _ in range(samples))))
tag_paths = []
for slug in rng.choices(sorted(tags), k=samples):
    n = rng.randint(1, pages(tags[slug]))
    tag_paths.append(f"/tag/{slug}/" if n == 1 else f"/tag/{slug}/page/{n}/")
tag = timed(list(dict.fromkeys(tag_paths)))
browses = [f"/ghost/api/content/posts/?key={key}&filter=tag:{rng.choice(sorted(tags))}%2Bpublished_at:%3E'"
           f"{rng.randint(2016, 2025)}-01-01'&limit=15&page={rng.choice([1, 1, 2, 3, 5, 10, 20])}&include=tags,authors"
           for _ in range(samples)]
print(f"{article} | {home} | {tag} | {timed(list(dict.fromkeys(browses)))}")
PY
    )
    kill "$server"
    wait "$server" 2>/dev/null || true
    server=""
    echo "| $round | $build | $row |"
  done
done
