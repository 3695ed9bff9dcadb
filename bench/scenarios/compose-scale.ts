// Compose at scale: BENCH_COMPOSE_SCALE (default 100) running one-service stacks in one host.
// Measures what the host holds per idle stack (heap, RSS, fds, handles, child processes), its
// idle CPU, and one reconnect of all of them: every engine connection dropped at once (as an
// engine restart does), until the shared events stream is back and every stack re-synced.
// Run by hand with a GC handle: `node --expose-gc --import tsx bench/scenarios/compose-scale.ts`.
import { execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { listComposeContainers } from '../../src/engine/containers.js';
import { engineFor } from '../../src/engine/registry.js';
import { ComposeSupervisor } from '../../src/index.js';
import { liveChildren } from '../../test/compose/children.js';
import { now, runScenario, until } from '../lib/scenario.js';

const SCALE = Number(process.env.BENCH_COMPOSE_SCALE ?? 100);
const IDLE_MS = Number(process.env.BENCH_COMPOSE_IDLE_MS ?? 10_000);
const run = promisify(execFile);
const PREFIX = `gwbenchscale${process.pid}`;

// The proxy runs in a child process, so its sockets count in neither this host's heap nor its fds.
const PROXY = `
const net = require('node:net');
const sockets = new Set();
const server = net.createServer((client) => {
  const upstream = net.createConnection('/var/run/docker.sock');
  for (const s of [client, upstream]) {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
    s.on('error', () => {});
  }
  client.on('close', () => upstream.destroy());
  upstream.on('close', () => client.destroy());
  client.pipe(upstream);
  upstream.pipe(client);
});
server.listen(process.argv[1], () => process.stdout.write('listening\\n'));
process.stdin.on('data', () => { for (const s of sockets) s.destroy(); });
process.stdin.on('end', () => process.exit(0));
`;

/** A unix socket forwarding to the engine; `cut()` drops every connection at once. */
async function proxy(dir: string): Promise<{ host: string; cut(): void; close(): Promise<void> }> {
  const path = join(dir, 'engine.sock');
  const child = spawn(process.execPath, ['-e', PROXY, path], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  await new Promise<void>((resolve) => child.stdout.once('data', () => resolve()));
  return {
    host: `unix://${path}`,
    cut: () => child.stdin.write('cut\n'),
    close: async () => {
      child.stdin.end();
      if (child.exitCode === null) await once(child, 'exit');
    },
  };
}

function heapUsed(): number {
  globalThis.gc?.();
  globalThis.gc?.();
  return process.memoryUsage().heapUsed;
}

async function removeAll(): Promise<void> {
  const { stdout } = await run('docker', [
    'ps',
    '-aq',
    '--filter',
    'label=com.docker.compose.project',
    '--filter',
    `name=${PREFIX}`,
  ]);
  const ids = stdout.split('\n').filter((s) => s.length > 0);
  if (ids.length > 0) await run('docker', ['rm', '-f', ...ids]);
  const nets = await run('docker', ['network', 'ls', '-q', '--filter', `name=${PREFIX}`]);
  const netIds = nets.stdout.split('\n').filter((s) => s.length > 0);
  if (netIds.length > 0) await run('docker', ['network', 'rm', ...netIds]).catch(() => undefined);
}

runScenario(async () => {
  const dir = mkdtempSync(join(tmpdir(), 'gw-bench-scale-'));
  writeFileSync(
    join(dir, 'compose.yaml'),
    `services:
  app:
    image: gameward-test-busybox:latest
    pull_policy: never
    # No network per project: the engine's default address pools hold about 30 networks.
    network_mode: none
    command: ["sh", "-c", "trap 'exit 0' TERM; echo ready; sleep 100000 & wait"]
`,
  );
  const engine = await proxy(dir);
  const env = { DOCKER_HOST: engine.host };
  const baseHeap = heapUsed();
  const baseRss = process.memoryUsage().rss;
  const baseFds = readdirSync('/proc/self/fd').length;
  const supervisors = Array.from(
    { length: SCALE },
    (_, i) => new ComposeSupervisor({ id: `${PREFIX}-${i}`, cwd: dir, env, stopOnDispose: false }),
  );
  try {
    const t0 = now();
    await Promise.all(supervisors.map((s) => s.start()));
    const startAllMs = now() - t0;
    await sleep(2000);
    const heap = heapUsed();
    const rss = process.memoryUsage().rss;
    const fds = readdirSync('/proc/self/fd').length;
    const handles = (process as unknown as { _getActiveHandles(): unknown[] })._getActiveHandles()
      .length;
    const children = (await liveChildren()).filter((c) => /^\S*docker /.test(c.cmdline)).length;
    const cpu0 = process.cpuUsage();
    const w0 = now();
    await sleep(IDLE_MS);
    const cpu = process.cpuUsage(cpu0);
    const idleCpuPercent = ((cpu.user + cpu.system) / 1000 / (now() - w0)) * 100;

    const { client, hub } = engineFor(env);
    // What the resync costs the engine: one list of every compose container.
    const l0 = now();
    await listComposeContainers(client, undefined, { timeoutMs: 30_000 });
    const listAllMs = now() - l0;
    const before = hub.resyncs;
    const r0 = now();
    engine.cut();
    await until(() => !hub.open, 'the stream loss', 30_000);
    await until(() => hub.open, 'the stream back', 30_000);
    const streamBackMs = now() - r0;
    await until(() => hub.resyncs > before, 'the resync after the reconnect', 30_000);
    const reconnectAllMs = now() - r0;
    const stillRunning = supervisors.filter((s) => s.state.state === 'running').length;
    return {
      stacks: SCALE,
      startAllMs: Math.round(startAllMs),
      heapPerIdleStackKiB: Math.round((heap - baseHeap) / SCALE / 102.4) / 10,
      rssMiB: Math.round(rss / 2 ** 20),
      rssPerStackKiB: Math.round((rss - baseRss) / SCALE / 1024),
      fds,
      fdsPerStack: Math.round(((fds - baseFds) / SCALE) * 100) / 100,
      handles,
      dockerProcessesHeld: children,
      idleCpuPercent: Math.round(idleCpuPercent * 100) / 100,
      reconnectAllMs: Math.round(reconnectAllMs),
      // Of which the first backoff is 250 ms by design.
      streamBackMs: Math.round(streamBackMs),
      listAllMs: Math.round(listAllMs),
      runningAfterReconnect: stillRunning,
    };
  } finally {
    await Promise.all(supervisors.map((s) => s.close().catch(() => undefined)));
    await removeAll();
    await engine.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
