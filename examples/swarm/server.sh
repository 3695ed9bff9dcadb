#!/bin/sh
# A stand-in game server for the swarm example: it boots, says it is ready, and saves the world
# on SIGTERM. Each replica knows its slot and node from swarm's templates.
trap 'echo "replica $SLOT: saving the world"; exit 0' TERM
echo "replica $SLOT: booting on node $NODE"
sleep 1
echo "replica $SLOT: Server started"
while true; do sleep 0.2; done
