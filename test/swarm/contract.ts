// The contract suite over the swarm plane, run from two-node.test.ts in sequence with the other
// swarm tests (node-down stops node 2's dockerd, which must not overlap a contract test).
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';
import { SwarmSupervisor } from '../../src/swarm/index.js';
import type { PlaneUnderTest } from '../contract/planes.js';
import { contractSuite } from '../contract/rules.js';
import {
  FIXTURES,
  fixtureEnv,
  removeStacks,
  stackName,
  swarmProblem,
  triggerDir,
} from './swarm.js';

const stacks = new Set<string>();
let trigger: ReturnType<typeof triggerDir> | undefined;

const swarmPlane: PlaneUnderTest = {
  name: 'swarm',
  async unavailable() {
    if (swarmProblem !== undefined && process.env.GAMEWARD_REQUIRE_SWARM === '1') {
      throw new Error(`the swarm contract cannot run: ${swarmProblem}`);
    }
    return swarmProblem;
  },
  make(options) {
    trigger ??= triggerDir();
    const extra: Record<string, string> =
      options.exitAtStart === undefined ? {} : { EXIT_AT_BOOT: String(options.exitAtStart) };
    return new SwarmSupervisor({
      id: options.id,
      cwd: FIXTURES,
      files: ['single.yaml'],
      stackName: stackName(stacks),
      env: fixtureEnv(trigger.path, extra),
      stopTimeoutMs: 20_000,
      restartDelayMs: 0,
      readiness: {
        pattern: options.neverReady ? 'a line that never comes' : 'ready for players',
        timeoutMs: options.startTimeoutMs ?? 60_000,
      },
      autoRestart: options.autoRestart,
    });
  },
  async crash(_supervisor, code) {
    // The one running replica of the contract's stack exits with `code`.
    writeFileSync(join((trigger as { path: string }).path, `app-exit-${code}`), '');
  },
  reportedCode: (code) => code,
  bootLine: /booting/,
};

contractSuite(swarmPlane, {
  timeoutMs: 120_000,
  afterAll: async () => {
    expect(await removeStacks(stacks)).toEqual([]);
    trigger?.remove();
  },
});
