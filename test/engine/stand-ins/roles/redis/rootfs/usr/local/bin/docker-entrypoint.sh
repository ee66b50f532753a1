#!/bin/sh
# Stand-in for the official redis image's entrypoint: options alone run redis-server; redis-server runs as the
# redis user. The official image compiles protected mode off ("unnecessary in the context of Docker"); Debian's
# server has it on, so it is turned off here, as that build's default.
set -e
case "$1" in -*|*.conf) set -- redis-server "$@" ;; esac
if [ "$1" = redis-server ]; then
  shift
  if [ "$(id -u)" = 0 ]; then
    chown -R redis:redis /data 2>/dev/null || true
    exec setpriv --reuid=redis --regid=redis --init-groups redis-server --protected-mode no "$@"
  fi
  exec redis-server --protected-mode no "$@"
fi
exec "$@"
