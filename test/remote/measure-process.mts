// Hand measurement of remote process instances (issue 16): `npx tsx test/remote/measure-process.mts`.
// Needs scripts/setup-sshd.sh. Prints medians; nothing is asserted (targets live in docs/remote.md).
import { execFile } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { ProcessSupervisor } from '../../src/process/index.js';
import type { ProcessSupervisorConfig } from '../../src/process/options.js';
import { setDefaultSshLinks } from '../../src/remote/default-links.js';
import { SshLinks } from '../../src/remote/ssh-links.js';
import { KEY, KNOWN_HOSTS, SSH_HOST, SSH_PORT, sshConfig } from './endpoint.js';

const run = promisify(execFile);
const fixture = new URL('../fixtures/fake-game-server.mjs', import.meta.url).pathname;
const ssh = {
  host: SSH_HOST,
  port: SSH_PORT,
  user: 'root',
  privateKey: KEY,
  knownHosts: KNOWN_HOSTS,
};
const remoteDir = `/tmp/gw-measure-${process.pid}`;
const median = (xs: number[]): number =>
  [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;
const now = (): number => performance.now();

function config(id: string, where: 'remote' | 'local'): ProcessSupervisorConfig {
  return {
    id,
    executable: process.execPath,
    args: [fixture, '--boot-lines=1'],
    stopCommand: 'quit',
    restartDelayMs: 0,
    readiness: { pattern: 'Server started' },
    ...(where === 'remote'
      ? { host: { ssh }, stateDir: remoteDir }
      : { stateDir: mkdtempSync(join(tmpdir(), 'gwm-')) }),
  };
}

async function lifecycle(where: 'remote' | 'local', rounds: number) {
  const starts: number[] = [];
  const trips: number[] = [];
  const exits: number[] = [];
  for (let i = 0; i < rounds; i++) {
    const s = new ProcessSupervisor(config(`m-${where}-${i}`, where));
    let t = now();
    await s.start();
    starts.push(now() - t);
    const echoed = new Promise<void>((r) =>
      s.on('output', (l) => l.text.includes(`ping${i}`) && r()),
    );
    t = now();
    await s.send(`say ping${i}`);
    await echoed;
    trips.push(now() - t);
    const crashed = s.waitFor('crashed');
    await s.send('crash 3');
    t = now();
    await crashed;
    exits.push(now() - t);
    await s.close();
  }
  return { start: median(starts), consoleRoundTrip: median(trips), exitDetection: median(exits) };
}

async function rawSsh(rounds: number) {
  const fresh: number[] = [];
  for (let i = 0; i < rounds; i++) {
    const t = now();
    await run('ssh', [
      '-i',
      KEY,
      '-p',
      String(SSH_PORT),
      '-o',
      `UserKnownHostsFile=${KNOWN_HOSTS}`,
      '-o',
      'BatchMode=yes',
      `root@${SSH_HOST}`,
      'true',
    ]);
    fresh.push(now() - t);
  }
  const links = new SshLinks();
  const { link } = links.acquire(sshConfig());
  await link.exec(['true']);
  const onLink: number[] = [];
  for (let i = 0; i < rounds; i++) {
    const t = now();
    await link.exec(['true']);
    onLink.push(now() - t);
  }
  await links.close();
  return { sshCommand: median(fresh), execOnOpenLink: median(onLink) };
}

async function adoption(count: number) {
  let links = new SshLinks();
  setDefaultSshLinks(links);
  const first = Array.from(
    { length: count },
    (_, i) => new ProcessSupervisor({ ...config(`adopt-${i}`, 'remote'), stopOnDispose: false }),
  );
  await Promise.all(first.map((s) => s.start()));
  await Promise.all(first.map((s) => s.close()));
  await links.close();
  // A new host: a new connection, new supervisors, one refresh each.
  links = new SshLinks();
  setDefaultSshLinks(links);
  const second = Array.from(
    { length: count },
    (_, i) => new ProcessSupervisor(config(`adopt-${i}`, 'remote')),
  );
  const t = now();
  const states = await Promise.all(second.map((s) => s.refresh()));
  const ms = now() - t;
  const connections = links.size;
  await Promise.all(second.map((s) => s.close()));
  await links.close();
  return {
    instances: count,
    adoptMs: ms,
    running: states.filter((s) => s.state === 'running').length,
    connections,
  };
}

const rounds = Number(process.argv[2] ?? 5);
setDefaultSshLinks(new SshLinks());
console.log('node', process.version, 'rounds', rounds);
console.log('raw ssh', await rawSsh(rounds));
console.log('local keeper', await lifecycle('local', rounds));
console.log('remote keeper', await lifecycle('remote', rounds));
console.log('adoption', await adoption(20));
