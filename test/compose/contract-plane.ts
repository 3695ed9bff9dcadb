import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ComposeSupervisor, type ComposeSupervisorConfig } from '../../src/compose/index.js';
import type { Supervisor } from '../../src/supervisor.js';
import type { ContractOptions, PlaneUnderTest } from '../contract/planes.js';
import { testProjectName } from '../support/run-id.js';
import { downProject, engineProblem, FIXTURES, triggerDir } from './engine.js';

// Each supervisor's /trigger directory: how the contract makes its workload die from outside.
const triggers = new WeakMap<Supervisor, string>();

/**
 * The compose plane under the contract suite (test/contract): a one-service stack on the real
 * engine. Add it to `planes` in test/contract/planes.ts. Projects are named after this run
 * (`gwtest<token>-...`), so the global teardown finds any container a test left.
 */
export const composePlane: PlaneUnderTest = composePlaneOn({
  name: 'compose',
  problem: engineProblem,
  required: 'GAMEWARD_REQUIRE_DOCKER',
});

/**
 * The contract's one-service stack (test/fixtures/compose/contract.yaml in `cwd`) for `options`;
 * `env` says where it runs (DOCKER_HOST) and where its trigger directory is.
 */
export function contractStack(
  options: ContractOptions,
  cwd: string,
  env: Record<string, string>,
): ComposeSupervisorConfig {
  return {
    id: options.id,
    projectName: testProjectName(options.id),
    cwd,
    files: ['contract.yaml'],
    removeOnStop: true,
    stopTimeoutMs: 5000,
    restartDelayMs: 0,
    readiness: { pattern: 'Server started', timeoutMs: options.startTimeoutMs ?? 20_000 },
    autoRestart: options.autoRestart,
    env: {
      ...env,
      NEVER_READY: options.neverReady === true ? '1' : '0',
      EXIT_AT_START: options.exitAtStart === undefined ? '' : String(options.exitAtStart),
    },
  };
}

/** Where a compose contract runs: an engine (its DOCKER_HOST) and what says it is there. */
export interface ComposeEngine {
  readonly name: string;
  /** Why the engine cannot be used here, or undefined. */
  readonly problem: string | undefined;
  /** The env variable that makes a missing engine fail instead of skip. */
  readonly required: string;
  readonly dockerHost?: string;
}

/** The compose plane on one engine (Docker's, or podman's Docker-compatible socket). */
export function composePlaneOn(engine: ComposeEngine): PlaneUnderTest {
  const host: Record<string, string> =
    engine.dockerHost === undefined ? {} : { DOCKER_HOST: engine.dockerHost };
  return {
    name: engine.name,
    unavailable: async () =>
      engine.problem === undefined || process.env[engine.required] === '1'
        ? undefined
        : engine.problem,
    make(options) {
      const trigger = triggerDir();
      const supervisor = new ComposeSupervisor(
        contractStack(options, FIXTURES, { ...host, GW_TRIGGER_DIR: trigger.path }),
      );
      triggers.set(supervisor, trigger.path);
      // What a crashed instance leaves (its exited container) and the trigger directory go with it.
      const close = supervisor.close.bind(supervisor);
      supervisor.close = () =>
        close().finally(async () => {
          await downProject(supervisor.config.projectName, host);
          trigger.remove();
        });
      return supervisor;
    },
    async crash(supervisor, code) {
      const dir = triggers.get(supervisor);
      if (dir === undefined) throw new Error('not a compose supervisor of this plane');
      writeFileSync(join(dir, `exit-${code}`), '');
    },
    reportedCode: (code) => code,
    bootLine: /Loading world chunk 1/,
  };
}
