#!/usr/bin/env bash
# A real remote SSH endpoint on this machine, for the remote (SSH) layer's tests and bench:
# an sshd in the network namespace "gwnode2" at 10.201.0.2, port 2222, public-key auth only.
# Keys (a generated host key and client keys) live in /var/lib/gameward-test-ssh, never in ~/.ssh.
# The 10.201.0.0/24 addresses exist only on the veth pair made here, inside this machine.
# Idempotent: a second run only checks. Run as root.
# Usage: scripts/setup-sshd.sh [up|down|env]
#   up    (default) make what is missing, start sshd, print the env a test needs
#   down  stop this sshd (the namespace stays: the swarm node 2 may live in it too)
#   env   print the env only
set -euo pipefail
NS=gwnode2
HOST=10.201.0.2
PORT=2222
USER_NAME=root
DIR=${GAMEWARD_SSH_DIR:-/var/lib/gameward-test-ssh}
PIDFILE=$DIR/sshd.pid
log() { printf 'setup-sshd: %s\n' "$*" >&2; }
[ "$(id -u)" -eq 0 ] || { log "run as root (it makes a network namespace and starts sshd in it)"; exit 1; }

print_env() {
  printf 'GAMEWARD_SSH_HOST=%s\n' "$HOST"
  printf 'GAMEWARD_SSH_PORT=%s\n' "$PORT"
  printf 'GAMEWARD_SSH_USER=%s\n' "$USER_NAME"
  printf 'GAMEWARD_SSH_KEY=%s\n' "$DIR/id_ed25519"
  printf 'GAMEWARD_SSH_KEY_WITH_PASSPHRASE=%s\n' "$DIR/id_ed25519_pass"
  printf 'GAMEWARD_SSH_PASSPHRASE_FILE=%s\n' "$DIR/passphrase"
  printf 'GAMEWARD_SSH_KNOWN_HOSTS=%s\n' "$DIR/known_hosts"
  printf 'GAMEWARD_SSH_PIDFILE=%s\n' "$PIDFILE"
  printf '# known_hosts line: %s\n' "$(cat "$DIR/known_hosts")"
}

running_pid() {
  [ -f "$PIDFILE" ] || return 1
  local pid
  pid=$(cat "$PIDFILE")
  [ -n "$pid" ] && [ -r "/proc/$pid/cmdline" ] || return 1
  tr '\0' ' ' <"/proc/$pid/cmdline" | grep -q "$DIR/sshd_config" || return 1
  echo "$pid"
}

stop_sshd() {
  local pid
  pid=$(running_pid) || return 0
  # The master only: connections already open end on their own when the test closes them.
  kill "$pid" 2>/dev/null || true
  for _ in $(seq 1 40); do kill -0 "$pid" 2>/dev/null || break; sleep 0.05; done
  rm -f "$PIDFILE"
}

case ${1:-up} in
  down) stop_sshd; log "sshd stopped"; exit 0 ;;
  env) print_env; exit 0 ;;
  up) ;;
  *) log "usage: $0 [up|down|env]"; exit 2 ;;
esac

command -v nsenter >/dev/null 2>&1 || { log "nsenter (util-linux) is missing"; exit 1; }

# The namespace the swarm node 2 and the test sshd share (scripts/netns-gwnode2.sh).
. "$(dirname "$0")/netns-gwnode2.sh"
ensure_gwnode2

if [ ! -x /usr/sbin/sshd ]; then
  log "installing openssh-server"
  # Debian's postinst would start a machine-wide sshd on 0.0.0.0:22; forbid it for this install.
  made_policy=""
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
    chmod 755 /usr/sbin/policy-rc.d
    made_policy=1
  fi
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends openssh-server >/dev/null
  [ -z "$made_policy" ] || rm -f /usr/sbin/policy-rc.d
fi

mkdir -p "$DIR" /run/sshd
chmod 700 "$DIR"
[ -f "$DIR/ssh_host_ed25519_key" ] || ssh-keygen -q -t ed25519 -N '' -C gameward-test-host -f "$DIR/ssh_host_ed25519_key"
[ -f "$DIR/id_ed25519" ] || ssh-keygen -q -t ed25519 -N '' -C gameward-test-client -f "$DIR/id_ed25519"
# A second key with a passphrase, for the tests that check no secret is ever logged.
[ -f "$DIR/passphrase" ] || printf 'gameward-test-passphrase-%s' "$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')" >"$DIR/passphrase"
[ -f "$DIR/id_ed25519_pass" ] || ssh-keygen -q -t ed25519 -N "$(cat "$DIR/passphrase")" -C gameward-test-client-pass -f "$DIR/id_ed25519_pass"
chmod 600 "$DIR/passphrase"
cat "$DIR/id_ed25519.pub" "$DIR/id_ed25519_pass.pub" >"$DIR/authorized_keys"
chmod 600 "$DIR/authorized_keys"
printf '[%s]:%s %s\n' "$HOST" "$PORT" "$(cut -d' ' -f1,2 "$DIR/ssh_host_ed25519_key.pub")" >"$DIR/known_hosts"

cat >"$DIR/sshd_config" <<EOF
# Written by scripts/setup-sshd.sh: a test endpoint inside network namespace $NS only.
ListenAddress $HOST
Port $PORT
HostKey $DIR/ssh_host_ed25519_key
PidFile $PIDFILE
AuthorizedKeysFile $DIR/authorized_keys
AuthenticationMethods publickey
PubkeyAuthentication yes
PasswordAuthentication no
KbdInteractiveAuthentication no
PermitRootLogin prohibit-password
UsePAM no
X11Forwarding no
AllowAgentForwarding no
AllowTcpForwarding local
AllowStreamLocalForwarding local
PermitTunnel no
PrintMotd no
MaxSessions 10
MaxStartups 64:30:128
LogLevel VERBOSE
EOF

# A sshd left in an older namespace (the netns was deleted and made again) cannot be reached; one
# started by an older version of this script shares the machine's mount namespace.
pid=$(running_pid || true)
if [ -n "$pid" ] && [ "$(readlink "/proc/$pid/ns/net")" != "net:[$(stat -L -c %i /var/run/netns/$NS)]" ]; then
  log "sshd $pid runs in a stale namespace: restarting it"
  stop_sshd
  pid=""
fi
if [ -n "$pid" ] && [ "$(readlink "/proc/$pid/ns/mnt")" = "$(readlink /proc/self/ns/mnt)" ]; then
  log "sshd $pid shares the machine's mounts: restarting it in its own mount namespace"
  stop_sshd
  pid=""
fi
if [ -z "$pid" ]; then
  /usr/sbin/sshd -t -f "$DIR/sshd_config"
  # nsenter enters the network namespace; unshare gives sshd (and every session) its own mount
  # namespace, private: the files stay the machine's, but a filesystem mounted over SSH (the
  # "remote disk full" test's small tmpfs) exists on the "remote host" only. Pids stay shared.
  nsenter --net=/var/run/netns/$NS unshare --mount --propagation private \
    /usr/sbin/sshd -f "$DIR/sshd_config" -E "$DIR/sshd.log"
  for _ in $(seq 1 100); do running_pid >/dev/null && break; sleep 0.05; done
  running_pid >/dev/null || { log "sshd did not start; see $DIR/sshd.log"; exit 1; }
fi
for _ in $(seq 1 100); do
  nsenter --net=/var/run/netns/$NS ss -Htln "sport = :$PORT" | grep -q . && break
  sleep 0.05
done
log "ready: sshd $(running_pid) on $HOST:$PORT (namespace $NS)"
print_env
