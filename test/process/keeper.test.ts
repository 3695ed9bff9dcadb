import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Fleet } from '../../src/fleet/index.js';
import { ProcessSupervisor, type ProcessSupervisorConfig } from '../../src/process/index.js';
import { cleanUp, isAlive, waitDead } from '../keeper/helpers.js';
import { fixture, nextLine, uniqueId } from './helpers.js';
import { Host } from './host.js';

const hosts: Host[] = [];
const supervisors: ProcessSupervisor[] = [];
const stateDirs: string[] = [];

function stateDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'gwp-'));
  stateDirs.push(dir);
  return dir;
}

function config(
  dir: string,
  extra: Partial<ProcessSupervisorConfig> = {},
): ProcessSupervisorConfig {
  return {
    id: uniqueId('kept'),
    executable: process.execPath,
    args: [fixture('fake-game-server.mjs'), '--boot-lines=1'],
    readiness: { pattern: 'Server started' },
    stopCommand: 'quit',
    stopTimeoutMs: 5000,
    stateDir: dir,
    ...extra,
  };
}

function supervisor(c: ProcessSupervisorConfig): ProcessSupervisor {
  const s = new ProcessSupervisor(c);
  supervisors.push(s);
  return s;
}

function host(c: ProcessSupervisorConfig): Host {
  const h = new Host(c);
  hosts.push(h);
  return h;
}

afterEach(async () => {
  await Promise.all(hosts.splice(0).map((h) => h.sigkill()));
  await Promise.allSettled(supervisors.splice(0).map((s) => s.close()));
  for (const dir of stateDirs.splice(0)) {
    const { readdirSync } = await import('node:fs');
    await cleanUp(
      dir,
      readdirSync(dir).map((name) => join(dir, name)),
    );
  }
});

const ticks = (s: ProcessSupervisor): number[] =>
  s
    .recentOutput()
    .map((l) => /^tick (\d+)$/.exec(l.text)?.[1])
    .filter((n): n is string => n !== undefined)
    .map(Number);

describe('process instances that outlive their host (stateDir, issue 12)', () => {
  it('a host SIGKILLed while the server runs: the next host adopts the same pid, with every line printed meanwhile, once', async () => {
    const c = config(stateDir(), {
      args: [fixture('fake-game-server.mjs'), '--boot-lines=1', '--tick-ms=20'],
    });
    const first = host(c);
    const started = await first.run('start');
    expect(started).toMatchObject({ ok: true, state: 'running' });
    const pid = started.pid as number;
    await first.sigkill();
    // The server goes on printing with no host: its keeper keeps the output.
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(isAlive(pid)).toBe(true);

    const next = supervisor(c);
    expect(next.state.state).toBe('stopped');
    await next.refresh();
    expect(next.state.state).toBe('running');
    expect(next.pid).toBe(pid);
    await nextLine(next, /^tick \d+$/);
    const seen = ticks(next);
    // Every tick from the first to the newest: none lost, none doubled.
    expect(seen.length).toBeGreaterThan(10);
    expect(seen).toEqual(seen.map((_, i) => (seen[0] as number) + i));
    expect(seen[0]).toBe(1);

    await next.send('say adopted');
    await nextLine(next, /\[Server\] adopted/);
    expect((await next.stats()).processCount).toBeGreaterThanOrEqual(1);
    await expect(next.start()).rejects.toMatchObject({ code: 'ERR_ALREADY_RUNNING' });
    await next.stop();
    expect(next.state.state).toBe('stopped');
    await waitDead([pid]);
    // The keeper went down with it and the folder was cleared: nothing left to adopt.
    expect(await next.refresh()).toEqual({ state: 'stopped' });
  });

  it('start() checks the folder even without refresh(): ERR_ALREADY_RUNNING, never a second copy', async () => {
    const c = config(stateDir());
    const first = host(c);
    const { pid } = await first.run('start');
    await first.sigkill();
    const next = supervisor(c);
    await expect(next.start()).rejects.toMatchObject({ code: 'ERR_ALREADY_RUNNING' });
    expect(next.state.state).toBe('running');
    expect(next.pid).toBe(pid);
  });

  it('a server that exited while no host was there: crashed with its code and its last lines; it can start again', async () => {
    const c = config(stateDir(), {
      args: [
        fixture('fake-game-server.mjs'),
        '--boot-lines=1',
        '--exit-after-ms=400',
        '--exit-code=7',
      ],
    });
    const first = host(c);
    const { pid } = await first.run('start');
    await first.sigkill();
    await waitDead([pid as number]);
    const next = supervisor(c);
    expect(await next.refresh()).toEqual({ state: 'crashed', exitCode: 7 });
    expect(next.recentOutput().map((l) => l.text)).toContain('Fatal error: exiting with code 7');
    await next.start();
    expect(next.state.state).toBe('running');
  });

  it('a server stopped by an ordered stop while no host watched reads as stopped', async () => {
    const c = config(stateDir());
    const first = host(c);
    await first.run('start');
    const stopped = await first.run('stop');
    expect(stopped).toMatchObject({ ok: true, state: 'stopped' });
    await first.sigkill();
    expect(await supervisor(c).refresh()).toEqual({ state: 'stopped' });
  });

  it('a keeper killed with SIGKILL: reported crashed, never running, and the orphaned server is taken down', async () => {
    const dir = stateDir();
    const c = config(dir);
    const first = host(c);
    const { pid } = await first.run('start');
    await first.sigkill();
    const meta = readFileSync(join(dir, c.id, 'meta'), 'latin1');
    const keeper = Number(/^keeper_pid=(\d+)$/m.exec(meta)?.[1]);
    process.kill(keeper, 'SIGKILL');
    await waitDead([keeper]);
    const next = supervisor(c);
    const state = await next.refresh();
    expect(state.state).toBe('crashed');
    await waitDead([pid as number]);
  });

  it('a folder copied from another instance is refused with a coded error; nothing is signalled', async () => {
    const dir = stateDir();
    const c = config(dir);
    const first = host(c);
    const { pid } = await first.run('start');
    await first.sigkill();
    const copy = config(dir);
    // What a careless backup restore does: the files copied (FIFOs made anew), same pids inside.
    const { mkdirSync, readdirSync, statSync, copyFileSync } = await import('node:fs');
    const { execFileSync } = await import('node:child_process');
    mkdirSync(join(dir, copy.id), { mode: 0o700 });
    for (const name of readdirSync(join(dir, c.id))) {
      const from = join(dir, c.id, name);
      const to = join(dir, copy.id, name);
      if (statSync(from).isFIFO()) execFileSync('mkfifo', ['-m', '600', to]);
      else copyFileSync(from, to);
    }
    const thief = supervisor(copy);
    await expect(thief.refresh()).rejects.toMatchObject({ code: 'ERR_INVALID_STATE' });
    expect(isAlive(pid as number)).toBe(true);
    await supervisor(c).refresh();
  });

  it('garbage in the folder is a GamewardError, never a host crash', async () => {
    const dir = stateDir();
    const c = config(dir);
    const { mkdirSync } = await import('node:fs');
    mkdirSync(join(dir, c.id), { mode: 0o700 });
    writeFileSync(join(dir, c.id, 'meta'), 'version=2\nkeeper_pid=notanumber\n');
    writeFileSync(join(dir, c.id, 'spec.json'), '{"version":2');
    const s = supervisor(c);
    await expect(s.refresh()).rejects.toMatchObject({ name: 'GamewardError' });
  });

  it('stopOnDispose: false: close() leaves the server running for the next host', async () => {
    const c = config(stateDir(), { stopOnDispose: false });
    const first = supervisor(c);
    await first.start();
    const pid = first.pid as number;
    await first.close();
    expect(isAlive(pid)).toBe(true);
    const next = supervisor(c);
    await next.refresh();
    expect(next.pid).toBe(pid);
  });

  it('a Fleet adopts every instance of a stateDir in one call', async () => {
    const dir = stateDir();
    const configs = [config(dir), config(dir), config(dir)];
    const pids = new Map<string, number>();
    for (const c of configs) {
      const h = host(c);
      pids.set(c.id, (await h.run('start')).pid as number);
      await h.sigkill();
    }
    await using fleet = new Fleet();
    const byId = new Map(configs.map((c) => [c.id, c]));
    const adopted = await fleet.adoptAll(dir, (id) => byId.get(id));
    expect(adopted.map((e) => e.state.state)).toEqual(['running', 'running', 'running']);
    for (const c of configs) {
      const got = fleet.get(c.id);
      expect(got?.kind === 'process' && got.pid).toBe(pids.get(c.id));
    }
  });
});

describe('no orphans without stateDir (issue 12)', () => {
  it('a host SIGKILLed: its server tree, setsid descendants included, goes down as stop() would', async () => {
    const c: ProcessSupervisorConfig = {
      id: uniqueId('orphan'),
      executable: process.execPath,
      args: [fixture('spawn-tree.mjs'), 'group-ignore', 'setsid-ignore'],
      readiness: { pattern: 'tree ready' },
      stopTimeoutMs: 500,
    };
    const h = host(c);
    const { pid } = await h.run('start');
    const { readProcTable, descendantsIn } = await import('../../src/os/proc-table.js');
    const table = await readProcTable();
    const tree = [pid as number, ...descendantsIn(table, [pid as number]).map((e) => e.pid)];
    expect(tree.length).toBeGreaterThan(1);
    await h.sigkill();
    await waitDead(tree, 10_000);
  });
});
