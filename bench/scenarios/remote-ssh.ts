// Remote hosts over SSH (issue 16), on the sshd that scripts/setup-sshd.sh runs in namespace
// gwnode2 (10.201.0.2:2222), side by side in one run, interleaved:
//   ssh:      a raw `ssh host true` (new connection each time) vs one exec on the open link
//   process:  start → running, console round trip (`say x` → the line back), exit detection
//             (`crash 3` sent → crashed): the keeper on this machine vs the keeper on the remote
//   compose:  start → running of a one-service stack: local vs remote (engine API and compose
//             CLI over the link) vs a raw `ssh host docker compose up -d --wait`
//   adoption: 20 remote instances left running by one host, refreshed by a new one (new
//             connection, new supervisors): time, how many came back running, connections held
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { ComposeSupervisor, ProcessSupervisor } from '../../src/index.js';
import type { ProcessSupervisorConfig } from '../../src/process/options.js';
import { setDefaultSshLinks } from '../../src/remote/default-links.js';
import { SshLinks } from '../../src/remote/ssh-links.js';
import {
  KEY,
  KNOWN_HOSTS,
  SSH,
  SSH_HOST,
  SSH_PORT,
  sshConfig,
} from '../../test/remote/endpoint.js';
import { stateReached } from '../lib/gameward.js';
import { interleave, now, runScenario } from '../lib/scenario.js';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const ADOPT = Number(process.env.BENCH_REMOTE_ADOPT ?? 20);
const run = promisify(execFile);
const SERVER = join(import.meta.dirname, '../../test/fixtures/fake-game-server.mjs');
const ssh = SSH;
const REMOTE_DIR = `/tmp/gw-bench-remote-${process.pid}`;
const LOCAL_STATE = mkdtempSync(join(tmpdir(), 'gw-bench-remote-'));
const STACK = `services:
  game:
    image: gameward-test-busybox:latest
    pull_policy: never
    command: ["sh", "-c", "trap 'exit 0' TERM; echo ready; sleep 100000 & wait"]
`;
let counter = 0;

const sshArgs = [
  '-i',
  KEY,
  '-p',
  String(SSH_PORT),
  '-o',
  `UserKnownHostsFile=${KNOWN_HOSTS}`,
  '-o',
  'BatchMode=yes',
  `root@${SSH_HOST}`,
];

function processConfig(where: 'local' | 'remote', id: string): ProcessSupervisorConfig {
  return {
    id,
    executable: process.execPath,
    args: [SERVER, '--boot-lines=1'],
    stopCommand: 'quit',
    restartDelayMs: 0,
    autoRestart: { enabled: false },
    readiness: { pattern: 'Server started' },
    ...(where === 'remote'
      ? { host: { ssh }, stateDir: `${REMOTE_DIR}/state` }
      : { stateDir: LOCAL_STATE }),
  };
}

/** One process instance's life: start, a console round trip, a crash. */
async function processRound(where: 'local' | 'remote', times: Record<string, number[]>) {
  counter += 1;
  const s = new ProcessSupervisor(processConfig(where, `bench-${where}-${counter}`));
  try {
    const running = stateReached(s, 'running');
    let t = now();
    await s.start();
    times.start?.push((await running) - t);
    const echoed = new Promise<number>((resolve) =>
      s.on('output', (l) => l.text.includes(`ping${counter}`) && resolve(now())),
    );
    t = now();
    await s.send(`say ping${counter}`);
    times.console?.push((await echoed) - t);
    const crashed = stateReached(s, 'crashed');
    t = now();
    await s.send('crash 3');
    times.exit?.push((await crashed) - t);
    return times.start?.at(-1) ?? 0;
  } finally {
    await s.close();
  }
}

async function composeStart(where: 'local' | 'remote', dir: string): Promise<number> {
  counter += 1;
  const s = new ComposeSupervisor({
    id: `gwbenchr${process.pid}x${counter}`,
    cwd: where === 'remote' ? REMOTE_DIR : dir,
    stopTimeoutMs: 1000,
    removeOnStop: true,
    ...(where === 'remote' ? { host: { ssh } } : {}),
  });
  try {
    const running = stateReached(s, 'running');
    const t = now();
    await s.start();
    return (await running) - t;
  } finally {
    await s.close();
  }
}

async function adoption(count: number) {
  let links = new SshLinks();
  setDefaultSshLinks(links);
  const ids = Array.from({ length: count }, (_, i) => `bench-adopt-${process.pid}-${i}`);
  const first = ids.map(
    (id) => new ProcessSupervisor({ ...processConfig('remote', id), stopOnDispose: false }),
  );
  await Promise.all(first.map((s) => s.start()));
  await Promise.all(first.map((s) => s.close()));
  await links.close();
  links = new SshLinks();
  setDefaultSshLinks(links);
  const second = ids.map((id) => new ProcessSupervisor(processConfig('remote', id)));
  const t = now();
  const states = await Promise.all(second.map((s) => s.refresh()));
  const adoptMs = now() - t;
  const connections = links.size;
  await Promise.all(second.map((s) => s.close()));
  await links.close();
  return {
    instances: count,
    adoptMs: Math.round(adoptMs),
    running: states.filter((s) => s.state === 'running').length,
    connections,
  };
}

runScenario(async () => {
  if (!existsSync(KEY)) return { skipped: `no test sshd keys in ${KEY} (scripts/setup-sshd.sh)` };
  const links = new SshLinks();
  setDefaultSshLinks(links);
  const own = new SshLinks();
  const { link } = own.acquire(sshConfig());
  const localStack = mkdtempSync(join(tmpdir(), 'gw-bench-rstack-'));
  writeFileSync(join(localStack, 'compose.yaml'), STACK);
  try {
    await link.exec(['sh', '-c', 'mkdir -p "$1" && cat >"$1/compose.yaml"', 'sh', REMOTE_DIR], {
      stdin: STACK,
    });
    const sshRound = await interleave(ROUNDS, {
      'raw ssh host true (new connection)': async () => {
        const t = now();
        await run('ssh', [...sshArgs, 'true']);
        return now() - t;
      },
      'exec on the open link': async () => {
        const t = now();
        await link.exec(['true']);
        return now() - t;
      },
    });
    const local: Record<string, number[]> = { start: [], console: [], exit: [] };
    const remote: Record<string, number[]> = { start: [], console: [], exit: [] };
    await interleave(ROUNDS, {
      local: () => processRound('local', local),
      remote: () => processRound('remote', remote),
    });
    let rawProject = 0;
    const compose = await interleave(ROUNDS, {
      'compose, local': () => composeStart('local', localStack),
      'compose, remote over SSH': () => composeStart('remote', localStack),
      'raw ssh host docker compose up -d --wait': async () => {
        rawProject += 1;
        const project = `gwbenchraw${process.pid}x${rawProject}`;
        const t = now();
        await run('ssh', [
          ...sshArgs,
          'cd',
          REMOTE_DIR,
          '&&',
          'docker',
          'compose',
          '-p',
          project,
          'up',
          '-d',
          '--wait',
        ]);
        const ms = now() - t;
        await link.exec(['docker', 'compose', '-p', project, 'down', '-t', '0'], {
          timeoutMs: 60_000,
        });
        return ms;
      },
    });
    return {
      ssh: sshRound.samples,
      processLocalKeeper: local,
      processRemoteKeeper: remote,
      composeStart: compose.samples,
      errors: { ...sshRound.errors, ...compose.errors },
      adoption: await adoption(ADOPT),
    };
  } finally {
    await link.exec(['rm', '-rf', REMOTE_DIR]).catch(() => undefined);
    await links.close();
    await own.close();
    rmSync(localStack, { recursive: true, force: true });
    rmSync(LOCAL_STATE, { recursive: true, force: true });
  }
});
