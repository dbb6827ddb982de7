#!/usr/bin/env bash
# Two instances on one PostgreSQL database behind nginx, on one machine: the cached article's
# throughput through nginx (wrk at concurrency 32 and 128), and the invalidation latency from a
# publish to every instance serving the new page (100 headline edits through the Admin API, each
# timed from the edit's answer until both instances, asked directly, show the new headline).
# Prints a Markdown report.
#
#   bench/instances.sh
#   PG_URL=postgres://postgres@127.0.0.1:5432 BUILD=0 bench/instances.sh
#
# Environment: PG_URL (server on which a throwaway database is made, default
# postgres://postgres@127.0.0.1:5432), DURATION (seconds per wrk run, default 10), EDITS (default
# 100), CARGO_TARGET_DIR (where the release build goes), BUILD (0 skips cargo build).
set -euo pipefail
# Measured without a voice being installed and stories narrated beside the load.
export MASTHEAD_VOICE_INSTALL=off
cd "$(dirname "$0")/.."

pg="${PG_URL:-postgres://postgres@127.0.0.1:5432}"
duration="${DURATION:-10}"
edits="${EDITS:-100}"
target_dir="${CARGO_TARGET_DIR:-target}"
bin="$target_dir/release/masthead"
for tool in wrk nginx; do
  if ! command -v "$tool" >/dev/null && [ ! -x "/usr/sbin/$tool" ]; then
    echo "Installing $tool (Debian package)..." >&2
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$tool" >/dev/null
  fi
done
if [ "${BUILD:-1}" != 0 ]; then
  cargo build --release -p masthead >&2
fi

work=$(mktemp -d)
database="masthead_bench_instances_$$"
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  psql "$pg/postgres" -q -c "DROP DATABASE IF EXISTS $database" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
port_a=$(free_port); port_b=$(free_port); port_lb=$(free_port)
export MASTHEAD_DATABASE_URL="$pg/$database" MASTHEAD_LOG=warn
"$bin" demo --data-dir "$work/seed" >/dev/null
printf 'a long enough secret\n' | "$bin" user add --data-dir "$work/seed" --email bench@example.org --name "Bench Owner" --role owner >/dev/null 2>&1 || true
admin_key=$("$bin" integration add --data-dir "$work/seed" --name Bench | sed -n 's/^ *Admin API key: *//p')

for instance in a b; do
  port=$([ "$instance" = a ] && echo "$port_a" || echo "$port_b")
  "$bin" serve --no-demo --data-dir "$work/$instance" --listen "127.0.0.1:$port" --instance "$instance" \
    --site-url "http://127.0.0.1:$port_lb" >"$work/$instance.log" 2>&1 &
  pids+=($!)
done
cat >"$work/nginx.conf" <<NGINX
master_process off; daemon off; worker_processes 1; pid $work/nginx.pid; error_log $work/nginx.error.log;
events { worker_connections 4096; }
http { access_log off; client_body_temp_path $work/body; proxy_temp_path $work/proxy;
  fastcgi_temp_path $work/fastcgi; uwsgi_temp_path $work/uwsgi; scgi_temp_path $work/scgi;
  upstream masthead { server 127.0.0.1:$port_a; server 127.0.0.1:$port_b; keepalive 64; }
  server { listen 127.0.0.1:$port_lb;
    location / { proxy_pass http://masthead; proxy_http_version 1.1; proxy_set_header Connection "";
      proxy_set_header Host \$http_host; } } }
NGINX
nginx_bin=$(command -v nginx || echo /usr/sbin/nginx)
"$nginx_bin" -c "$work/nginx.conf" -p "$work" 2>/dev/null &
pids+=($!)
lb="http://127.0.0.1:$port_lb"
for _ in $(seq 1 400); do
  curl -fs -o /dev/null "http://127.0.0.1:$port_a/" && curl -fs -o /dev/null "http://127.0.0.1:$port_b/" \
    && curl -fs -o /dev/null "$lb/" && break
  sleep 0.05
done

article=$(curl -fs "$lb/" | grep -o 'class="card__title"><a href="/[^"]*/"' | head -1 | sed -E 's/.*href="([^"]*)"/\1/')
echo "| Through nginx, two instances | Concurrency | Requests/s | p50 | p99 | Errors |"
echo "|---|---|---|---|---|---|"
for concurrency in 32 128; do
  out=$(wrk -t2 -c"$concurrency" -d"${duration}s" --latency -H 'Accept-Encoding: gzip, deflate, br' "$lb$article")
  rps=$(echo "$out" | awk '/Requests\/sec/ {printf "%.0f", $2}')
  p50=$(echo "$out" | awk '$1 == "50%" {print $2}')
  p99=$(echo "$out" | awk '$1 == "99%" {print $2}')
  errors=$(echo "$out" | awk '/Non-2xx|Socket errors/ {print}' | tr '\n' ' ')
  echo "| article $article | $concurrency | $rps | $p50 | $p99 | ${errors:-none} |"
done

python3 - "$admin_key" "$port_a" "$port_b" "$article" "$edits" <<'PY'
import base64, hashlib, hmac, json, statistics, sys, time, urllib.request

key, port_a, port_b, article, edits = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5])
key_id, secret = key.split(":")
instances = [f"http://127.0.0.1:{port_a}", f"http://127.0.0.1:{port_b}"]

def b64(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()

def token():
    now = int(time.time())
    header = b64(json.dumps({"alg": "HS256", "typ": "JWT", "kid": key_id}).encode())
    claims = b64(json.dumps({"iat": now, "exp": now + 300, "aud": "/admin/"}).encode())
    signature = hmac.new(bytes.fromhex(secret), f"{header}.{claims}".encode(), hashlib.sha256).digest()
    return f"{header}.{claims}.{b64(signature)}"

def admin(base, method, path, body=None):
    request = urllib.request.Request(f"{base}/ghost/api/admin/{path}", method=method,
                                     data=json.dumps(body).encode() if body else None,
                                     headers={"Authorization": f"Ghost {token()}", "Content-Type": "application/json"})
    with urllib.request.urlopen(request) as answer:
        return json.load(answer)

def page(base):
    with urllib.request.urlopen(f"{base}{article}") as answer:
        return answer.read().decode()

slug = article.strip("/")
post = admin(instances[0], "GET", f"posts/slug/{slug}/")["posts"][0]
latencies = []
for n in range(edits):
    for base in instances:
        page(base)  # both instances hold the page before the edit
    title = f"Bench headline {n} {time.time_ns()}"
    post = admin(instances[n % 2], "PUT", f"posts/{post['id']}/",
                 {"posts": [{"title": title, "updated_at": post["updated_at"]}]})["posts"][0]
    edited = time.perf_counter()
    waiting = set(instances)
    while waiting:
        waiting = {base for base in waiting if title not in page(base)}
        if time.perf_counter() - edited > 10:
            sys.exit(f"edit {n} not shown by {waiting} within 10 s")
    latencies.append((time.perf_counter() - edited) * 1000)
latencies.sort()
p = lambda q: latencies[min(len(latencies) - 1, int(q * len(latencies)))]
print()
print(f"Invalidation: from the edit's answer until both instances serve the new headline, {edits} edits "
      f"(alternating instances): p50 {p(0.50):.1f} ms, p99 {p(0.99):.1f} ms, max {latencies[-1]:.1f} ms, "
      f"mean {statistics.mean(latencies):.1f} ms")
PY
echo
echo "- Release build; PostgreSQL on the same machine; wrk -t2 -d${duration}s, Accept-Encoding: gzip, deflate, br"
echo "- Machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(uname -sr)"
