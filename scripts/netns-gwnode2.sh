# Sourced by setup-swarm.sh and setup-sshd.sh: the test hosts' network namespace, made once.
#   gwnode2 holds 10.201.0.2 (swarm node 2, the test sshd); this machine's side is 10.201.0.1.
# The names and addresses are the team's swarm-two-node.sh's. These addresses exist only on the
# veth pair made here, inside this machine. Idempotent; run as root.
ensure_gwnode2() {
  ip netns list | grep -qw gwnode2 && return 0
  ip netns add gwnode2
  ip link add gwv1 type veth peer name gwv2
  ip link set gwv2 netns gwnode2
  ip addr add 10.201.0.1/24 dev gwv1
  ip link set gwv1 up
  ip netns exec gwnode2 ip addr add 10.201.0.2/24 dev gwv2
  ip netns exec gwnode2 ip link set gwv2 up
  ip netns exec gwnode2 ip link set lo up
}
