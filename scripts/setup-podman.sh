#!/usr/bin/env bash
# Podman 4.3 (Debian 12's) serving its Docker-compatible API, for gameward's podman tests, on a
# Debian 12 machine like CI's. Idempotent: a second run takes well under a second. Run as root (or
# with sudo). Needs scripts/setup-docker-engine.sh first: the test image is copied from Docker.
#   1. podman from Debian (netavark + aardvark-dns come with it: compose networks need them)
#   2. rlimits pinned in a containers.conf drop-in: these VMs refuse a container whose rlimits
#      exceed the host's, and podman's defaults (nofile 1048576) do
#   3. the test image gameward-test-busybox:latest, copied in from Docker (`docker save |
#      podman load`); podman names it localhost/gameward-test-busybox:latest, which a short name
#      resolves to, so compose files say the same image on both engines
#   4. `podman system service` at unix:///run/podman/podman.sock, in the background (CI has no
#      systemd); use it as DOCKER_HOST for the docker and compose CLIs
# Usage: scripts/setup-podman.sh [up|down] [IMAGE]   (`down` stops the API service)
set -euo pipefail
ACTION=${1:-up}
IMAGE=${2:-gameward-test-busybox:latest}
SOCK=/run/podman/podman.sock
PID_FILE=/run/podman/gameward-service.pid
SERVICE_LOG=/tmp/podman-service.log
log() { printf 'setup-podman: %s\n' "$*" >&2; }
SUDO=
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null 2>&1 || { log "run as root, or install sudo"; exit 1; }
  SUDO=sudo
fi
ping_api() { $SUDO curl -sf --max-time 2 --unix-socket "$SOCK" http://d/_ping >/dev/null 2>&1; }

if [ "$ACTION" = down ]; then
  pid=$($SUDO cat "$PID_FILE" 2>/dev/null || true)
  # Only the service this script started: a pid file can outlive its process and name another.
  if [ -n "$pid" ] && tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q 'podman system service'; then
    $SUDO kill "$pid"
    for _ in $(seq 1 40); do [ -d "/proc/$pid" ] || break; sleep 0.25; done
  fi
  $SUDO rm -f "$PID_FILE"
  log "API service stopped"
  exit 0
fi
[ "$ACTION" = up ] || { log "usage: $0 [up|down] [IMAGE]"; exit 2; }

if ! command -v podman >/dev/null 2>&1; then
  log "installing podman"
  $SUDO apt-get update -qq
  $SUDO env DEBIAN_FRONTEND=noninteractive NEEDRESTART_SUSPEND=1 apt-get install -y -qq podman >/dev/null
fi

conf=/etc/containers/containers.conf.d/gameward-ulimits.conf
want='[containers]
default_ulimits = ["nofile=20000:20000", "nproc=4096:4096"]'
if [ "$($SUDO cat "$conf" 2>/dev/null || true)" != "$want" ]; then
  log "pinning rlimits in $conf"
  $SUDO mkdir -p "$(dirname "$conf")"
  printf '%s\n' "$want" | $SUDO tee "$conf" >/dev/null
fi

if ! $SUDO podman image exists "localhost/$IMAGE"; then
  log "copying $IMAGE from Docker"
  $SUDO docker image inspect "$IMAGE" >/dev/null 2>&1 ||
    { log "no $IMAGE in Docker: run scripts/setup-docker-engine.sh first"; exit 1; }
  $SUDO docker save "$IMAGE" | $SUDO podman load -q >/dev/null
  # Same proof as for Docker: the image has no libc, only a static busybox runs in it.
  $SUDO podman run --rm --network none "localhost/$IMAGE" true ||
    { $SUDO podman image rm "localhost/$IMAGE" >/dev/null; log "$IMAGE does not run on podman; removed"; exit 1; }
fi

if ! ping_api; then
  log "starting the API service at unix://$SOCK (log: $SERVICE_LOG)"
  $SUDO mkdir -p "$(dirname "$SOCK")"
  $SUDO rm -f "$SOCK"
  # --time=0: no idle timeout; setsid: the service outlives this script's session.
  # From /: conmon inherits the service's working directory, and a service started from a
  # checkout that is later removed can start no container ("Failed to get working directory").
  $SUDO sh -c "cd / && setsid nohup podman system service --time=0 unix://$SOCK >$SERVICE_LOG 2>&1 </dev/null & echo \$! >$PID_FILE"
  for _ in $(seq 1 80); do ping_api && break; sleep 0.25; done
  ping_api || { log "the API service did not start; see $SERVICE_LOG"; exit 1; }
fi

log "ready: $($SUDO podman --version) / API $($SUDO curl -sf --unix-socket "$SOCK" http://d/version | sed -n 's/.*"ApiVersion":"\([^"]*\)".*/\1/p') / socket unix://$SOCK / image localhost/$IMAGE"
