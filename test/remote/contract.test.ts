// The contract suite over remote process instances (a keeper on the sshd in gwnode2), in the
// serial group: the remote fault tests cut that sshd, which no contract test may overlap.
import { remoteProcessPlane } from '../contract/planes.js';
import { contractSuite } from '../contract/rules.js';

contractSuite(remoteProcessPlane, { timeoutMs: 60_000 });
