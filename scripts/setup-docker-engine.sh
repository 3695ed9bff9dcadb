#!/usr/bin/env bash
# Sets up what gameward's compose tests need on a Debian 12 (bookworm) machine like CI's, without
# any image registry. Idempotent: each step is skipped when already done, so a second run takes
# well under a second. Run as root (or with sudo available). CI runs it before the tests; so can you.
#   1. the engine: Debian's docker.io (dockerd + containerd + runc), started in the background
#      (nothing else starts it in a container or a CI job)
#   2. Compose v2: bookworm only packages compose v1, so the cli plugin binary is taken from
#      Debian 13's docker-compose package; the mirror is read from this machine's apt sources
#   3. the test image gameward-test-busybox:latest: busybox-static's binary (unpacked from its
#      package, never installed on the host) as a rootfs, through `docker import`
# Nothing is written into the repository: downloads go to a temporary directory.
# Usage: scripts/setup-docker-engine.sh [IMAGE]
set -euo pipefail
IMAGE=${1:-gameward-test-busybox:latest}
PLUGIN_DIR=/usr/local/lib/docker/cli-plugins
log() { printf 'setup-docker-engine: %s\n' "$*" >&2; }
SUDO=
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null 2>&1 || { log "run as root, or install sudo"; exit 1; }
  SUDO=sudo
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# apt's download user (_apt) must be able to write here.
chmod 755 "$work"
apt_updated=
apt_update() {
  [ -n "$apt_updated" ] || $SUDO apt-get update -qq
  apt_updated=1
}
# Downloads a package's .deb into $work and unpacks it to $work/<package> (apt options may follow).
unpack_deb() {
  local package=$1
  shift
  (cd "$work" && $SUDO apt-get -o APT::Sandbox::User=root "$@" download -qq "$package")
  dpkg-deb -x "$work/${package}"_*.deb "$work/$package"
}

if ! command -v dockerd >/dev/null 2>&1 || ! command -v docker >/dev/null 2>&1; then
  log "installing docker.io"
  apt_update
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq docker.io >/dev/null
fi

if ! $SUDO docker info >/dev/null 2>&1; then
  log "starting dockerd (log: /tmp/dockerd.log)"
  # A dockerd killed with its session leaves its pid file; dockerd refuses to start while that
  # pid names a live process, which after a restart is some other program.
  pid=$(cat /var/run/docker.pid 2>/dev/null || true)
  if [ -n "$pid" ] && [ "$(cat "/proc/$pid/comm" 2>/dev/null)" != dockerd ]; then
    $SUDO rm -f /var/run/docker.pid
  fi
  $SUDO sh -c 'setsid nohup dockerd >/tmp/dockerd.log 2>&1 </dev/null &'
  for _ in $(seq 1 120); do $SUDO docker info >/dev/null 2>&1 && break; sleep 0.5; done
  $SUDO docker info >/dev/null 2>&1 || { log "dockerd did not come up; see /tmp/dockerd.log"; exit 1; }
fi

if ! $SUDO docker compose version >/dev/null 2>&1; then
  log "installing the compose v2 cli plugin from Debian 13's docker-compose package"
  # The machine's own mirror: deb822 sources first, then the classic sources.list.
  mirror=$(sed -n 's/^URIs:[[:space:]]*\([^[:space:]]*\/debian\)\/*$/\1/p' /etc/apt/sources.list.d/*.sources 2>/dev/null | head -n1 || true)
  [ -n "$mirror" ] || mirror=$(awk '$1=="deb" && $2 ~ /\/debian\/?$/ {print $2; exit}' /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null || true)
  [ -n "$mirror" ] || { log "no Debian mirror found in the apt sources"; exit 1; }
  mkdir -p "$work/lists/partial"
  echo "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] ${mirror%/} trixie main" >"$work/trixie.list"
  trixie=(-o "Dir::Etc::sourcelist=$work/trixie.list" -o "Dir::Etc::sourceparts=-" -o "Dir::State::Lists=$work/lists")
  $SUDO apt-get -o APT::Sandbox::User=root "${trixie[@]}" update -qq
  unpack_deb docker-compose "${trixie[@]}"
  $SUDO install -D -m 0755 "$work/docker-compose/usr/libexec/docker/cli-plugins/docker-compose" "$PLUGIN_DIR/docker-compose"
  $SUDO docker compose version >/dev/null
fi

if ! $SUDO docker image inspect "$IMAGE" >/dev/null 2>&1; then
  log "building $IMAGE from busybox-static"
  # Stale or missing package lists (a fresh machine has none): refresh them once and retry.
  unpack_deb busybox-static 2>/dev/null || { apt_update && unpack_deb busybox-static; }
  root=$work/rootfs
  mkdir -p "$root/bin" "$root/tmp"
  install -m 0755 "$work/busybox-static/bin/busybox" "$root/bin/busybox"
  for applet in $("$root/bin/busybox" --list); do
    [ "$applet" = busybox ] || ln -sf busybox "$root/bin/$applet"
  done
  tar -C "$root" --numeric-owner --owner=0 --group=0 -c . |
    $SUDO docker import -c 'CMD ["/bin/sh"]' - "$IMAGE" >/dev/null
  # The image has no libc: only a static busybox runs in it. Prove it before the tests rely on it.
  $SUDO docker run --rm --network none "$IMAGE" true ||
    { $SUDO docker image rm "$IMAGE" >/dev/null; log "$IMAGE does not run; removed"; exit 1; }
fi

log "ready: $($SUDO docker version --format 'engine {{.Server.Version}}') / compose $($SUDO docker compose version --short) / image $IMAGE"
