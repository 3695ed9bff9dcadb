import { composePlaneOn } from '../compose/contract-plane.js';
import type { PlaneUnderTest } from '../contract/planes.js';
import { PODMAN_HOST, podmanProblem } from './podman.js';

/** The compose plane on podman 4.3's Docker-compatible socket, under the contract suite. */
export const podmanComposePlane: PlaneUnderTest = composePlaneOn({
  name: 'compose-podman',
  problem: podmanProblem,
  required: 'GAMEWARD_REQUIRE_PODMAN',
  dockerHost: PODMAN_HOST,
});
