import { planes } from './planes.js';
import { contractSuite } from './rules.js';

// The contract over every plane that can share the machine with the rest of the suite. The swarm
// runs it from test/swarm/two-node.test.ts, in sequence with its node-down tests.
for (const plane of planes) contractSuite(plane);
