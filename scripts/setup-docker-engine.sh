#!/usr/bin/env bash
# Sets up what gameward's compose tests need on a Debian 12 (bookworm) machine like CI's, without
# any image registry. Idempotent: each step is skipped when already done. Run as root (or with
# sudo available). CI runs it before the tests; so can you.
#   1. the engine: Debian's docker.io (dockerd + containerd + runc), started in the background
#      (nothing else starts it in a container or a CI job)
#   2. Compose v2: bookworm only packages compose v1, so the cli plugin binary is taken from
#      Debian 13's docker-compose package; the mirror is read from this machine's apt sources
#   3. the test image gameward-test-busybox:latest: a busybox-static rootfs through `docker import`
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

if ! command -v dockerd >/dev/null 2>&1 || [ ! -x /bin/busybox ]; then
  log "installing docker.io and busybox-static"
  $SUDO apt-get update -qq
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq docker.io busybox-static >/dev/null
fi

if ! $SUDO docker info >/dev/null 2>&1; then
  log "starting dockerd (log: /tmp/dockerd.log)"
  $SUDO sh -c 'setsid nohup dockerd >/tmp/dockerd.log 2>&1 </dev/null &'
  for _ in $(seq 1 60); do $SUDO docker info >/dev/null 2>&1 && break; sleep 0.5; done
  $SUDO docker info >/dev/null 2>&1 || { log "dockerd did not come up; see /tmp/dockerd.log"; exit 1; }
fi

if ! $SUDO docker compose version >/dev/null 2>&1; then
  log "installing the compose v2 cli plugin from Debian 13's docker-compose package"
  # The machine's own mirror: deb822 sources first, then the classic sources.list.
  mirror=$(sed -n 's/^URIs:[[:space:]]*\([^[:space:]]*\/debian\)\/*$/\1/p' /etc/apt/sources.list.d/*.sources 2>/dev/null | head -n1 || true)
  [ -n "$mirror" ] || mirror=$(awk '$1=="deb" && $2 ~ /\/debian\/?$/ {print $2; exit}' /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null || true)
  [ -n "$mirror" ] || { log "no Debian mirror found in the apt sources"; exit 1; }
  work=$(mktemp -d)
  trap 'rm -rf "$work"' EXIT
  mkdir -p "$work/lists/partial"
  chmod 755 "$work"
  echo "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] ${mirror%/} trixie main" >"$work/trixie.list"
  opts=(-o "Dir::Etc::sourcelist=$work/trixie.list" -o "Dir::Etc::sourceparts=-" -o "Dir::State::Lists=$work/lists" -o "APT::Sandbox::User=root")
  $SUDO apt-get "${opts[@]}" update -qq
  (cd "$work" && $SUDO apt-get "${opts[@]}" download -qq docker-compose)
  dpkg -x "$work"/docker-compose_*.deb "$work/x"
  $SUDO install -D -m 0755 "$work/x/usr/libexec/docker/cli-plugins/docker-compose" "$PLUGIN_DIR/docker-compose"
  $SUDO docker compose version >/dev/null
fi

if ! $SUDO docker image inspect "$IMAGE" >/dev/null 2>&1; then
  log "building $IMAGE from busybox-static"
  root=$(mktemp -d)
  mkdir -p "$root/bin" "$root/tmp"
  cp /bin/busybox "$root/bin/busybox"
  for applet in $("$root/bin/busybox" --list); do
    [ "$applet" = busybox ] || ln -sf busybox "$root/bin/$applet"
  done
  tar -C "$root" -c . | $SUDO docker import -c 'CMD ["/bin/sh"]' - "$IMAGE" >/dev/null
  rm -rf "$root"
fi

log "ready: $($SUDO docker version --format 'engine {{.Server.Version}}') / compose $($SUDO docker compose version --short) / image $IMAGE"
