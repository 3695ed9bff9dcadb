// The contract suite over remote instances on the sshd in gwnode2: process instances (a keeper
// there) and compose stacks (its engine and compose CLI over the same link). In the serial group:
// the remote fault tests cut that sshd, which no contract test may overlap.
import { remoteProcessPlane } from '../contract/planes.js';
import { contractSuite } from '../contract/rules.js';
import { cleanUpRemote, remoteComposePlane, uploadFixtures } from './compose-plane.js';

contractSuite(remoteProcessPlane, { timeoutMs: 60_000 });

contractSuite(remoteComposePlane, {
  timeoutMs: 60_000,
  beforeAll: () => uploadFixtures('contract.yaml', 'contract-server.sh'),
  afterAll: cleanUpRemote,
});
