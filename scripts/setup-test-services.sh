#!/usr/bin/env bash
# Installs what the test suite talks to besides Docker: Debian's nats-server (the NATS bridge
# example's real broker) and chromium (the HTTP example's real browser). Idempotent; run as root.
set -euo pipefail
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO=sudo; fi
need=()
command -v nats-server >/dev/null 2>&1 || [ -x /usr/sbin/nats-server ] || need+=(nats-server)
[ -x /usr/bin/chromium ] || need+=(chromium)
if [ ${#need[@]} -gt 0 ]; then
  echo "setup-test-services: installing ${need[*]}" >&2
  $SUDO apt-get update -qq
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
fi
echo "setup-test-services: ready: $(/usr/sbin/nats-server --version 2>&1 | head -n1) / $(/usr/bin/chromium --version 2>/dev/null | head -n1)" >&2
