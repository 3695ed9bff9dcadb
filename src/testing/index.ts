export { type FakeCall, FakeSupervisor, type FakeSupervisorConfig } from './fake-supervisor.js';
