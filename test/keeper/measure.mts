// Measures the keeper by hand (not part of `npm test`): `npx tsx test/keeper/measure.ts`.
// Prints keeper memory per instance, the time to adopt 100 running instances, and output
// throughput through a keeper against a raw pipe. Numbers go to docs/keeper-protocol.md.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LineSplitter } from '../../src/console/line-splitter.js';
import { adoptKept, type KeptServer, launchKept } from '../../src/keeper/index.js';
import { readProcTable } from '../../src/os/proc-table.js';

const FLOOD = new URL('../fixtures/flood.mjs', import.meta.url).pathname;
const env = process.env as Record<string, string>;
const kib = (n: number) => `${(n / 1024).toFixed(2)} MiB`;

function memory(pid: number): { rss: number; pss: number } {
  const rollup = readFileSync(`/proc/${pid}/smaps_rollup`, 'latin1');
  const field = (name: string) =>
    Number(new RegExp(`^${name}:\\s+(\\d+)`, 'm').exec(rollup)?.[1] ?? 0);
  return { rss: field('Rss'), pss: field('Pss') };
}

async function keeperGroup(keeperPid: number): Promise<number[]> {
  const table = await readProcTable();
  return [...table.values()].filter((entry) => entry.pgrp === keeperPid).map((entry) => entry.pid);
}

async function killAll(servers: KeptServer[]): Promise<void> {
  for (const server of servers) {
    process.kill(server.pid, 'SIGKILL');
  }
  await new Promise((resolve) => setTimeout(resolve, 500));
}

async function measureMemory(stateDir: string): Promise<void> {
  const servers: KeptServer[] = [];
  for (let i = 0; i < 10; i++) {
    servers.push(
      (
        await launchKept({
          dir: join(stateDir, `m${i}`),
          file: 'sleep',
          args: ['600'],
          cwd: '/',
          env,
        })
      ).unref(),
    );
  }
  await new Promise((resolve) => setTimeout(resolve, 300));
  let rss = 0;
  let pss = 0;
  let mainRss = 0;
  let count = 0;
  for (const server of servers) {
    mainRss += memory(server.keeperPid).rss;
    for (const pid of await keeperGroup(server.keeperPid)) {
      const m = memory(pid);
      rss += m.rss;
      pss += m.pss;
      count += 1;
    }
  }
  const dash = spawn('dash', ['-c', 'sleep 600; :'], { stdio: 'ignore' });
  await new Promise((resolve) => setTimeout(resolve, 200));
  const dashMem = memory(dash.pid as number);
  dash.kill('SIGKILL');
  const n = servers.length;
  console.log(`keeper processes per instance: ${count / n}`);
  console.log(
    `keeper RSS per instance: main dash ${kib(mainRss / n)}, all ${kib(rss / n)}; PSS all ${kib(pss / n)}`,
  );
  console.log(
    `reference: dash waiting on a child RSS ${kib(dashMem.rss)}, PSS ${kib(dashMem.pss)}`,
  );
  for (const server of servers) server.detach();
  await killAll(servers);
}

async function measureAdoption(stateDir: string): Promise<void> {
  const servers: KeptServer[] = [];
  for (let i = 0; i < 100; i++) {
    const server = await launchKept({
      dir: join(stateDir, `a${i}`),
      file: 'sleep',
      args: ['600'],
      cwd: '/',
      env,
    });
    server.detach();
    servers.push(server);
  }
  const started = performance.now();
  const adopted = await Promise.all(servers.map((server) => adoptKept(server.dir, {})));
  const elapsed = performance.now() - started;
  const running = adopted.filter((result) => result.kind === 'running').length;
  console.log(`adopting 100 running instances: ${elapsed.toFixed(1)} ms (${running} running)`);
  for (const result of adopted) if (result.kind === 'running') result.server.detach();
  await killAll(servers);
}

async function throughputKept(stateDir: string, args: string[]): Promise<number> {
  let first = 0;
  let last = 0;
  const lines: unknown[] = [];
  const server = await launchKept(
    {
      dir: join(stateDir, `t${Math.random()}`),
      file: process.execPath,
      args: [FLOOD, ...args],
      cwd: '/',
      env,
    },
    {
      onLine: (line) => {
        lines.push(line);
        if (lines.length > 1000) lines.length = 0;
        last = performance.now();
        if (first === 0) first = last;
      },
    },
  );
  await server.exited;
  return last - first;
}

async function throughputRaw(args: string[]): Promise<number> {
  let first = 0;
  let last = 0;
  const child = spawn(process.execPath, [FLOOD, ...args], { stdio: ['ignore', 'pipe', 'ignore'] });
  // The same work per line as the keeper path hands its onLine: one object, one Date per chunk.
  let time = new Date();
  const lines: unknown[] = [];
  const splitter = new LineSplitter((text) => {
    lines.push({ stream: 'stdout', text, time, replayed: false });
    if (lines.length > 1000) lines.length = 0;
    last = performance.now();
    if (first === 0) first = last;
  });
  child.stdout.on('data', (chunk: Buffer) => {
    time = new Date();
    splitter.push(chunk);
  });
  await new Promise((resolve) => child.once('close', resolve));
  return last - first;
}

async function measureThroughput(stateDir: string): Promise<void> {
  const args = ['--lines=1000000', '--long=60'];
  const raw: number[] = [];
  const kept: number[] = [];
  for (let i = 0; i < 3; i++) {
    raw.push(await throughputRaw(args));
    kept.push(await throughputKept(stateDir, args));
  }
  const best = (values: number[]) => Math.min(...values);
  const size = 1000000 * (60 + 12);
  console.log(
    `output (first line to last line), 1M lines (~${(size / 1e6).toFixed(0)} MB): raw pipe ${best(raw).toFixed(0)} ms (${(size / best(raw) / 1e3).toFixed(0)} MB/s), keeper ${best(kept).toFixed(0)} ms (${(size / best(kept) / 1e3).toFixed(0)} MB/s): ${((100 * best(raw)) / best(kept)).toFixed(0)}% of raw`,
  );
}

const stateDir = mkdtempSync(join(tmpdir(), 'gwm-'));
try {
  await measureMemory(stateDir);
  await measureAdoption(stateDir);
  await measureThroughput(stateDir);
} finally {
  rmSync(stateDir, { recursive: true, force: true });
}
