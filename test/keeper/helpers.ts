import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { KEPT_TOKEN_ENV } from '../../src/keeper/layout.js';
import { isSameLiveProcess, pidsWithEnv, viewProcess } from '../../src/keeper/proc-identity.js';
import { readProcTable, sendSignal } from '../../src/os/proc-table.js';

export const FAKE_SERVER = new URL('../fixtures/fake-game-server.mjs', import.meta.url).pathname;
export const HOST = new URL('../fixtures/keeper/kept-host.ts', import.meta.url).pathname;

/** A short state folder under the system temp dir, removed by {@link cleanUp}. */
export function makeStateDir(): string {
  return mkdtempSync(join(tmpdir(), 'gwk-'));
}

/** The env every kept test server gets: this run's marker included, so leaks are caught. */
export function testEnv(): Record<string, string> {
  return { ...process.env } as Record<string, string>;
}

/** True while `pid` is a live (not zombie) process. */
export function isAlive(pid: number): boolean {
  const view = viewProcess(pid);
  return view !== undefined && !view.zombie;
}

/** Polls /proc until every pid is dead: a process that is not our child has no exit event. */
export async function waitDead(pids: readonly number[], timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (pids.some(isAlive)) {
    if (Date.now() > deadline) throw new Error(`still alive: ${pids.filter(isAlive).join(' ')}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Kills whatever a folder's keeper and server left running, then deletes the state folder. */
export async function cleanUp(stateDir: string, dirs: readonly string[]): Promise<void> {
  const pids: number[] = [];
  for (const dir of dirs) {
    let meta = '';
    try {
      meta = readFileSync(join(dir, 'meta'), 'latin1');
    } catch {
      continue;
    }
    const field = (key: string) => new RegExp(`^${key}=(.*)$`, 'm').exec(meta)?.[1];
    const token = field('token');
    const keeper = Number(field('keeper_pid'));
    if (isSameLiveProcess(keeper, field('keeper_start') ?? undefined)) {
      const table = await readProcTable();
      for (const entry of table.values()) if (entry.pgrp === keeper) pids.push(entry.pid);
    }
    if (token) pids.push(...(await pidsWithEnv(KEPT_TOKEN_ENV, token)));
  }
  for (const pid of pids) sendSignal(pid, 'SIGKILL');
  await waitDead(pids);
  rmSync(stateDir, { recursive: true, force: true });
}

/** A host agent child (test/fixtures/keeper/kept-host.ts) and the JSON events it prints. */
export interface HostChild {
  readonly child: ChildProcess;
  readonly events: Record<string, unknown>[];
  next(
    predicate: (event: Record<string, unknown>) => boolean,
    timeoutMs?: number,
  ): Promise<Record<string, unknown>>;
  command(text: string): Promise<void>;
  kill(): Promise<void>;
}

export function startHost(args: readonly string[], extraPipe = false): HostChild {
  const child = spawn(process.execPath, ['--import', 'tsx', HOST, ...args], {
    stdio: extraPipe ? ['pipe', 'pipe', 'inherit', 'pipe'] : ['pipe', 'pipe', 'inherit'],
  });
  const events: Record<string, unknown>[] = [];
  const waiters = new Set<() => void>();
  createInterface({ input: child.stdout! }).on('line', (line) => {
    events.push(JSON.parse(line) as Record<string, unknown>);
    for (const wake of waiters) wake();
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const next: HostChild['next'] = (predicate, timeoutMs = 15_000) =>
    new Promise((resolve, reject) => {
      const check = () => {
        const found = events.find(predicate);
        if (found === undefined) return;
        waiters.delete(check);
        clearTimeout(timer);
        resolve(found);
      };
      const timer = setTimeout(() => {
        waiters.delete(check);
        reject(new Error(`host event not seen; got ${JSON.stringify(events)}`));
      }, timeoutMs);
      waiters.add(check);
      check();
    });
  return {
    child,
    events,
    next,
    async command(text) {
      child.stdin!.write(`${text}\n`);
      await next((event) => event.event === 'done' && event.command === text);
    },
    async kill() {
      child.kill('SIGKILL');
      await exited;
    },
  };
}
