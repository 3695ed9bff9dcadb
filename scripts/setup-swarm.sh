#!/usr/bin/env bash
# A real two-node Docker Swarm on one machine, for the swarm plane's tests, example and bench.
#   node 1: the machine's own dockerd (scripts/setup-docker-engine.sh starts it), the manager,
#           advertised on 10.201.0.1
#   node 2: a second dockerd in the network namespace "gwnode2", a worker, 10.201.0.2, with its
#           socket at unix:///var/run/docker2.sock
# Both nodes get the local test image gameward-test-busybox:latest. Tasks use the host network
# (node 2 has no bridge), so a stack file attaches its services to the external network "host".
# The 10.201.0.0/24 addresses exist only on the veth pair made here, inside this machine.
# Idempotent: a second run only checks (well under a second). Run as root.
# Usage: scripts/setup-swarm.sh [up|down]   (`down` takes node 2 away and leaves node 1 a
# single-node swarm; `docker swarm leave --force` ends that too)
# The project's own copy of the team's swarm-two-node.sh: the namespace, veth and addresses must
# stay identical to it (scripts/setup-sshd.sh makes the same namespace when it is missing).
set -euo pipefail
NS=gwnode2
SOCK=/var/run/docker2.sock
IMAGE=gameward-test-busybox:latest
node2() { DOCKER_HOST=unix://$SOCK docker "$@"; }
log() { printf 'setup-swarm: %s\n' "$*" >&2; }
started=$(date +%s%N)
elapsed() { echo "$(( ($(date +%s%N) - started) / 1000000 )) ms"; }
[ "$(id -u)" -eq 0 ] || { log "run as root (it makes a network namespace and a second dockerd)"; exit 1; }

if [[ ${1:-up} == down ]]; then
  node2 swarm leave --force >/dev/null 2>&1 || true
  if [[ -f /var/run/docker2.pid ]]; then
    pid=$(cat /var/run/docker2.pid)
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 1 40); do kill -0 "$pid" 2>/dev/null || break; sleep 0.25; done
  fi
  docker node ls -q --filter role=worker 2>/dev/null | xargs -r docker node rm --force >/dev/null 2>&1 || true
  ip link del gwv1 2>/dev/null || true
  ip netns del $NS 2>/dev/null || true
  log "node 2 removed ($(elapsed))"
  exit 0
fi

docker info >/dev/null 2>&1 || { log "node 1 (the machine's dockerd) is not running: run scripts/setup-docker-engine.sh first"; exit 1; }
docker image inspect $IMAGE >/dev/null 2>&1 || { log "$IMAGE is missing: run scripts/setup-docker-engine.sh first"; exit 1; }
command -v nsenter >/dev/null 2>&1 || { log "nsenter (util-linux) is missing"; exit 1; }

# The namespace the swarm node 2 and the test sshd share (scripts/netns-gwnode2.sh).
. "$(dirname "$0")/netns-gwnode2.sh"
ensure_gwnode2

if ! node2 info >/dev/null 2>&1; then
  mkdir -p /var/lib/docker2 /var/run/docker2
  # nsenter enters only the network namespace: `ip netns exec` would remount /sys and hide cgroups
  nohup nsenter --net=/var/run/netns/$NS dockerd --data-root /var/lib/docker2 --exec-root /var/run/docker2 \
    --pidfile /var/run/docker2.pid -H unix://$SOCK --bridge none --iptables=false --ip-masq=false \
    --cgroup-parent docker2 >/var/log/dockerd2.log 2>&1 &
  for _ in $(seq 1 60); do node2 info >/dev/null 2>&1 && break; sleep 0.5; done
  node2 info >/dev/null 2>&1 || { log "node 2's dockerd did not start; see /var/log/dockerd2.log"; exit 1; }
fi

if [[ $(docker info --format '{{.Swarm.LocalNodeState}}') != active ]]; then
  docker swarm init --advertise-addr 10.201.0.1 --listen-addr 10.201.0.1:2377 >/dev/null
fi
if [[ $(node2 info --format '{{.Swarm.LocalNodeState}}') != active ]]; then
  node2 swarm join --token "$(docker swarm join-token -q worker)" --advertise-addr 10.201.0.2 10.201.0.1:2377 >/dev/null
fi
# A node 2 that left (its dockerd was restarted, `down` without a manager) stays listed as Down.
docker node ls --format '{{.ID}} {{.Status}}' | awk '$2 == "Down" { print $1 }' |
  xargs -r docker node rm --force >/dev/null 2>&1 || true

if ! node2 image inspect $IMAGE >/dev/null 2>&1; then
  docker save $IMAGE | node2 load >/dev/null
fi
for _ in $(seq 1 30); do
  [[ $(docker node ls --format '{{.Status}}' | grep -c Ready) -ge 2 ]] && break
  sleep 0.5
done
[[ $(docker node ls --format '{{.Status}}' | grep -c Ready) -ge 2 ]] || { log "node 2 did not become Ready"; docker node ls >&2; exit 1; }
log "ready in $(elapsed): $(docker node ls --format '{{.ID}}/{{.ManagerStatus}}/{{.Status}}' | tr '\n' ' ')"
