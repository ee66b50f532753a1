#!/bin/sh
# Stand-in for the official postgres image's entrypoint, run with Debian's PostgreSQL 15:
# as root, own PGDATA and re-run as `postgres`; on an empty PGDATA, initdb with POSTGRES_USER and
# POSTGRES_PASSWORD (password auth over TCP), create POSTGRES_DB, run /docker-entrypoint-initdb.d;
# then exec the server (PID 1: SIGINT is a fast shutdown, SIGTERM a smart one).
set -eu
say() { echo "postgres entrypoint (stand-in): $*" >&2; }
: "${PGDATA:=/var/lib/postgresql/data}"
export PGDATA

# `docker run <image> -c x=y` means `postgres -c x=y`.
if [ "${1#-}" != "$1" ]; then set -- postgres "$@"; fi

if [ "$1" = postgres ] && [ "$(id -u)" = 0 ]; then
  mkdir -p "$PGDATA" /var/run/postgresql
  chown postgres:postgres "$PGDATA" /var/run/postgresql
  chmod 700 "$PGDATA"
  chmod 2777 /var/run/postgresql
  # Dropping privileges is allowed under no-new-privileges (gaining them is not).
  exec setpriv --reuid=postgres --regid=postgres --init-groups "$0" "$@"
fi

if [ "$1" = postgres ] && [ ! -s "$PGDATA/PG_VERSION" ]; then
  : "${POSTGRES_USER:=postgres}"
  : "${POSTGRES_DB:=$POSTGRES_USER}"
  if [ -z "${POSTGRES_PASSWORD:-}" ] && [ "${POSTGRES_HOST_AUTH_METHOD:-}" != trust ]; then
    say "Database is uninitialized and superuser password is not specified."
    say "You must specify POSTGRES_PASSWORD to a non-empty value (or POSTGRES_HOST_AUTH_METHOD=trust)."
    exit 1
  fi
  pwfile=$(mktemp)
  printf '%s\n' "${POSTGRES_PASSWORD:-}" >"$pwfile"
  # Local (socket and 127.0.0.1) connections are trusted, as in the official image.
  initdb --username="$POSTGRES_USER" --pwfile="$pwfile" --auth=trust >/dev/null
  rm -f "$pwfile"
  echo "listen_addresses = '*'" >>"$PGDATA/postgresql.conf"
  echo "host all all all ${POSTGRES_HOST_AUTH_METHOD:-md5}" >>"$PGDATA/pg_hba.conf"

  # A first-run server on the Unix socket only: a TCP healthcheck does not pass before it is done.
  pg_ctl -D "$PGDATA" -o "-c listen_addresses=''" -w start >/dev/null
  export PGUSER="$POSTGRES_USER"
  if [ "$POSTGRES_DB" != postgres ]; then
    psql -v ON_ERROR_STOP=1 -X --dbname postgres -c "CREATE DATABASE \"$POSTGRES_DB\"" >/dev/null
  fi
  for f in /docker-entrypoint-initdb.d/*; do
    case "$f" in
      *.sh) say "running $f"; . "$f" ;;
      *.sql) say "running $f"; psql -v ON_ERROR_STOP=1 -X --dbname "$POSTGRES_DB" -f "$f" >/dev/null ;;
      *.sql.gz) say "running $f"; gunzip -c "$f" | psql -v ON_ERROR_STOP=1 -X --dbname "$POSTGRES_DB" >/dev/null ;;
      *) ;;
    esac
  done
  pg_ctl -D "$PGDATA" -m fast -w stop >/dev/null
  unset PGUSER
  say "PostgreSQL init process complete; ready for start up."
fi

exec "$@"
