/**
 * Test doubles for apps that embed gameward: `FakeSupervisor`, a scriptable world under the same
 * core as the real planes.
 * @module gameward/testing
 */

export { fakeGameServer } from './fake-game-server.js';
export {
  type FakeCall,
  type FakeFailableMethod,
  FakeSupervisor,
  type FakeSupervisorConfig,
} from './fake-supervisor.js';
