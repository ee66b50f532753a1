# Sourced by .ci/run: installs and starts the Docker Engine the engine tier needs, and stops what it started.
# CI runs on the machine a session used, after that session's processes were killed: a dockerd killed that way
# leaves its pid files behind. The next dockerd then finds containerd's old pid alive (reused by an unrelated
# process), waits for a containerd socket that never comes, and gives up after a minute. So a pid file whose
# process is not the daemon it names is removed before the start.

DOCKERD_LOG=/tmp/robotoff-ci-dockerd.log
started_dockerd=

engine_up() { timeout 10 docker info >/dev/null 2>&1; }

# remove_stale_pid FILE COMMAND: removes FILE unless the process it names is COMMAND.
remove_stale_pid() {
  local file=$1 command=$2 pid
  [ -f "$file" ] || return 0
  pid=$(cat "$file" 2>/dev/null)
  if [ -n "$pid" ] && [ "$(ps -o comm= -p "$pid" 2>/dev/null)" = "$command" ]; then
    return 0
  fi
  echo "engine tier: removing the stale ${file} (pid ${pid:-none} is not ${command})"
  rm -f "$file"
}

start_engine() {
  # The test bed's hosts (test/hosts/bed.ts) need sshd and ssh, ip, nsenter, unshare and pkill besides dockerd.
  if ! command -v dockerd >/dev/null || ! command -v debootstrap >/dev/null || ! [ -x /usr/sbin/sshd ] || ! command -v ssh >/dev/null \
    || ! command -v ip >/dev/null || ! command -v nsenter >/dev/null || ! command -v unshare >/dev/null || ! command -v pkill >/dev/null; then
    echo "engine tier: installing docker.io, debootstrap, openssh-server, openssh-client, iproute2, util-linux and procps"
    if ! { apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q docker.io debootstrap openssh-server openssh-client iproute2 util-linux procps; } >/tmp/robotoff-ci-apt.log 2>&1; then
      tail -n 20 /tmp/robotoff-ci-apt.log
      return 1
    fi
  fi
  engine_up && return 0
  remove_stale_pid /var/run/docker.pid dockerd
  remove_stale_pid /var/run/docker/containerd/containerd.pid containerd
  echo "engine tier: starting dockerd"
  dockerd >"$DOCKERD_LOG" 2>&1 &
  started_dockerd=$!
  for _ in $(seq 1 90); do
    engine_up && return 0
    kill -0 "$started_dockerd" 2>/dev/null || break
    sleep 1
  done
  echo "engine tier: dockerd did not answer; the end of ${DOCKERD_LOG}:"
  tail -n 20 "$DOCKERD_LOG"
  stop_engine
  return 1
}

# Stops the dockerd this script started (none otherwise), so that it leaves no pid files behind.
stop_engine() {
  [ -n "$started_dockerd" ] || return 0
  kill -TERM "$started_dockerd" 2>/dev/null
  for _ in $(seq 1 30); do
    kill -0 "$started_dockerd" 2>/dev/null || break
    sleep 1
  done
  started_dockerd=
}
