// Every test on the real two-node swarm, in one file so that they run one after another: the
// node-down test stops node 2's dockerd, which no other swarm test may overlap (vitest runs
// files in parallel). Each part cleans up after itself and checks that nothing is left.
import './contract.js';
import './lifecycle.js';
import './faults.js';
import './node-down.js';
