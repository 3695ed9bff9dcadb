/**
 * Test doubles for apps that embed gameward: `FakeSupervisor`.
 * @module gameward/testing
 */
export {
  type FakeCall,
  type FakeFailableMethod,
  FakeSupervisor,
  type FakeSupervisorConfig,
} from './fake-supervisor.js';
