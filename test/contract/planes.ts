import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AutoRestartOptions } from '../../src/policy/auto-restart.js';
import { ProcessSupervisor } from '../../src/process/index.js';
import type { Supervisor } from '../../src/supervisor.js';
import { FakeSupervisor } from '../../src/testing/index.js';
import { composePlane } from '../compose/contract-plane.js';
import { podmanComposePlane } from '../podman/contract-plane.js';
import { fixture } from '../process/helpers.js';
import { KEY, KNOWN_HOSTS, SSH_HOST, SSH_PORT } from '../remote/endpoint.js';
import { sshdProblem } from '../remote/sshd.js';

/** What a contract test asks of the workload behind a supervisor. */
export interface ContractOptions {
  readonly id: string;
  /** The workload runs but never prints its ready line. */
  readonly neverReady?: boolean;
  /** The workload exits with this code right after it was launched, before it is ready. */
  readonly exitAtStart?: number;
  /** Bounds the starting phase (readiness.timeoutMs). */
  readonly startTimeoutMs?: number;
  readonly autoRestart?: AutoRestartOptions;
}

/**
 * One plane under the contract: how to build a supervisor on it, and how to make its workload
 * die from the outside. Later planes add an entry here and nothing else.
 */
export interface PlaneUnderTest {
  readonly name: string;
  /** Why the plane cannot run on this machine, or undefined when it can. */
  unavailable(): Promise<string | undefined>;
  make(options: ContractOptions): Supervisor;
  /** Makes the running workload die (nobody asked) with `code`, as its world would. */
  crash(supervisor: Supervisor, code: number): Promise<void>;
  /** The exit code the plane reports for `crash(…, code)`. */
  reportedCode(code: number): number;
  /** Lines the workload prints before it is ready, for crash reports (at least one). */
  readonly bootLine: RegExp;
  /** After the plane's last test: removes what the plane's instances leave on disk. */
  cleanUp?(): Promise<void>;
}

const READY = 'Server started';

export const fakePlane: PlaneUnderTest = {
  name: 'fake',
  unavailable: async () => undefined,
  make(options) {
    const fake = new FakeSupervisor({
      id: options.id,
      startDelayMs: 20,
      readiness: { pattern: READY, timeoutMs: options.startTimeoutMs ?? 10_000 },
      autoRestart: options.autoRestart,
    });
    // The fake world "prints" like the fixture server: a boot line, then (maybe) the ready line.
    fake.on('state', (next) => {
      if (next.state !== 'starting') return;
      setTimeout(() => {
        if (fake.state.state !== 'starting') return;
        fake.emitOutput('Loading world chunk 1');
        if (options.exitAtStart !== undefined) fake.crash(options.exitAtStart);
        else if (!options.neverReady) fake.emitOutput(READY);
      }, 30);
    });
    return fake;
  },
  async crash(supervisor, code) {
    (supervisor as FakeSupervisor).crash(code);
  },
  reportedCode: (code) => code,
  bootLine: /Loading world chunk 1/,
};

export const processPlane: PlaneUnderTest = {
  name: 'process',
  unavailable: async () => undefined,
  make(options) {
    const args = [fixture('fake-game-server.mjs'), '--boot-lines=1'];
    if (options.neverReady) args.push('--no-ready');
    if (options.exitAtStart !== undefined) args.push(`--exit-at-boot=${options.exitAtStart}`);
    return new ProcessSupervisor({
      id: options.id,
      executable: process.execPath,
      args,
      stopCommand: 'quit',
      stopTimeoutMs: 5000,
      restartDelayMs: 0,
      readiness: { pattern: READY, timeoutMs: options.startTimeoutMs ?? 10_000 },
      autoRestart: options.autoRestart,
    });
  },
  async crash(supervisor, code) {
    await supervisor.send(`crash ${code}`);
  },
  reportedCode: (code) => code,
  bootLine: /Loading world chunk 1/,
};

let keptStateDir: string | undefined;

/** The process plane with `stateDir`: the server runs under a keeper that outlives the host. */
export const keptProcessPlane: PlaneUnderTest = {
  ...processPlane,
  name: 'process-keeper',
  make(options) {
    keptStateDir ??= mkdtempSync(join(tmpdir(), 'gwc-'));
    const local = processPlane.make(options) as ProcessSupervisor;
    return new ProcessSupervisor({ ...local.config, stateDir: keptStateDir });
  },
  // A crashed instance keeps its folder for the next host: the suite's own folder goes at the end.
  async cleanUp() {
    if (keptStateDir !== undefined) rmSync(keptStateDir, { recursive: true, force: true });
    keptStateDir = undefined;
  },
};

/**
 * The process plane on a remote host: the sshd of scripts/setup-sshd.sh (namespace gwnode2),
 * the keeper in a remote stateDir, reached only over SSH. Skipped loudly without that sshd;
 * GAMEWARD_REQUIRE_SSH=1 makes it run (and fail) anyway.
 */
export const remoteProcessPlane: PlaneUnderTest = {
  ...processPlane,
  name: 'process-remote',
  unavailable: async () =>
    process.env.GAMEWARD_REQUIRE_SSH === '1' || sshdProblem === undefined
      ? undefined
      : `${sshdProblem} (run scripts/setup-sshd.sh)`,
  make(options) {
    const local = processPlane.make(options) as ProcessSupervisor;
    const marker = process.env.GAMEWARD_TEST_RUN;
    return new ProcessSupervisor({
      ...local.config,
      stateDir: `/tmp/gwc-remote-${process.pid}`,
      // The remote processes carry the run's marker, so the global teardown catches a leak.
      env: marker === undefined ? {} : { GAMEWARD_TEST_RUN: marker },
      host: {
        ssh: {
          host: SSH_HOST,
          port: SSH_PORT,
          user: 'root',
          privateKey: KEY,
          knownHosts: KNOWN_HOSTS,
        },
      },
    });
  },
};

/**
 * The planes `contract.test.ts` runs over, in parallel with the rest of the suite. The remote
 * plane (test/remote/contract.test.ts) and the swarm (test/swarm/contract.ts) run theirs in the
 * serial group (vitest.serial.config.ts), where no other test cuts their sshd or stops their
 * node.
 */
export const planes: readonly PlaneUnderTest[] = [
  fakePlane,
  processPlane,
  keptProcessPlane,
  composePlane,
  podmanComposePlane,
];
