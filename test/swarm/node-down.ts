// Part of two-node.test.ts (last): node 2's dockerd stops while a replica runs there.
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { OutputLine } from '../../src/supervisor.js';
import { SwarmSupervisor } from '../../src/swarm/index.js';
import { RUN_MARKER } from '../support/leaks.js';
import {
  describeWithSwarm,
  docker,
  FIXTURES,
  fixtureEnv,
  liveTasks,
  removeStacks,
  stackName,
  triggerDir,
} from './swarm.js';

const SETUP = join(FIXTURES, '../../../scripts/setup-swarm.sh');
const stacks = new Set<string>();
let trigger: ReturnType<typeof triggerDir>;
let supervisor: SwarmSupervisor | undefined;

describeWithSwarm('SwarmSupervisor when node 2 goes down', () => {
  beforeAll(() => {
    trigger = triggerDir();
  });
  afterAll(async () => {
    await supervisor?.close().catch(() => undefined);
    // Node 2 back for the other tests (the script is idempotent), then the strict clean-up.
    // Without this run's marker: node 2's dockerd must outlive the run (the leak check kills marked ones).
    const env = { ...process.env };
    delete env[RUN_MARKER];
    await promisify(execFile)('bash', [SETUP], { timeout: 120_000, env });
    const left = await removeStacks(stacks);
    trigger?.remove();
    expect(left, 'stacks, services or containers left behind').toEqual([]);
  }, 180_000);

  it('reports the replica on a node whose dockerd stopped as crashed, and stops', async () => {
    supervisor = new SwarmSupervisor({
      id: 'swarm-node-down',
      cwd: FIXTURES,
      files: ['two-nodes.yaml'],
      stackName: stackName(stacks),
      env: fixtureEnv(trigger.path),
      stopTimeoutMs: 20_000,
    });
    const lines: OutputLine[] = [];
    supervisor.on('output', (line) => lines.push(line));
    await supervisor.start();
    const worker = await docker(['node', 'ls', '-q', '--filter', 'role=worker']);
    expect(lines.some((l) => l.text.includes(`booting on ${worker}`))).toBe(true);
    process.kill(Number(readFileSync('/var/run/docker2.pid', 'utf8')), 'SIGTERM');
    // The manager marks the node down after its heartbeat period (about 10 s here).
    const state = await supervisor.waitFor('crashed', { timeoutMs: 90_000 });
    // A dockerd that stops first stops its containers (the server exits 0 on SIGTERM) and may
    // report it; a node that vanishes reports nothing, and the code is unknown.
    expect(state.state).toBe('crashed');
    expect([0, undefined]).toContain((state as { exitCode?: number }).exitCode);
    // The replica on node 1 still runs; the one on the lost node counts as gone.
    await supervisor.stop();
    expect(supervisor.state.state).toBe('stopped');
    expect(await liveTasks(supervisor.config.stackName)).toEqual([]);
  }, 150_000);
});
