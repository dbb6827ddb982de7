# Sourced by the benchmarks that run on either database: `use_database KIND PG_URL` points
# `masthead` at SQLite (the data directory's own file) or at a fresh PostgreSQL database (PG_URL,
# dropped and created again).
use_database() {
  local kind=$1 url=$2
  case "$kind" in
    sqlite) unset MASTHEAD_DATABASE_URL ;;
    postgres)
      export MASTHEAD_DATABASE_URL="$url"
      psql "${url%/*}/postgres" -q -c "DROP DATABASE IF EXISTS ${url##*/}" >/dev/null
      psql "${url%/*}/postgres" -q -c "CREATE DATABASE ${url##*/}" >/dev/null
      ;;
    *) echo "DB must be sqlite or postgres, not $kind" >&2; exit 2 ;;
  esac
}
