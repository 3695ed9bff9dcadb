// Part of two-node.test.ts: deploy, output, crashes, revival, restart, the shared task board.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import type { OutputLine } from '../../src/supervisor.js';
import { SwarmSupervisor } from '../../src/swarm/index.js';
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

const stacks = new Set<string>();
const supervisors: SwarmSupervisor[] = [];
let trigger: ReturnType<typeof triggerDir>;
let worker = '';

function supervise(
  extra: Record<string, string> = {},
  options: { stopTimeoutMs?: number; readyLine?: boolean } = {},
) {
  const supervisor = new SwarmSupervisor({
    id: 'swarm-test',
    cwd: FIXTURES,
    files: ['two-nodes.yaml'],
    stackName: stackName(stacks),
    env: fixtureEnv(trigger.path, extra),
    stopTimeoutMs: options.stopTimeoutMs ?? 20_000,
    ...(options.readyLine
      ? { readiness: { pattern: 'ready for players', timeoutMs: 60_000 } }
      : {}),
  });
  supervisors.push(supervisor);
  return supervisor;
}

/** The replica slot (`OutputLine.task`) that booted on `node`, from its first line. */
function slotOn(lines: readonly OutputLine[], node: string): string {
  const line = lines.find((l) => l.text.includes(`booting on ${node}`));
  if (line?.task === undefined) throw new Error(`no replica booted on ${node}`);
  return line.task;
}

describeWithSwarm('SwarmSupervisor on the two-node swarm', () => {
  beforeAll(async () => {
    trigger = triggerDir();
    worker = await docker(['node', 'ls', '-q', '--filter', 'role=worker']);
  });
  afterEach(async () => {
    await Promise.all(supervisors.splice(0).map((s) => s.close().catch(() => undefined)));
  });
  afterAll(async () => {
    const left = await removeStacks(stacks);
    trigger?.remove();
    expect(left, 'stacks, services or containers left behind').toEqual([]);
  });

  it('deploys one replica per node, marks each line with its service and slot, and stops with no task left', async () => {
    const supervisor = supervise();
    const lines: OutputLine[] = [];
    supervisor.on('output', (line) => lines.push(line));
    await supervisor.start();
    expect(supervisor.state.state).toBe('running');
    // Both replicas were up when start() resolved: each printed its boot line on its own node.
    await supervisor.waitFor('running');
    const stats = await supervisor.stats();
    expect(stats.processCount).toBe(2);
    await expect(supervisor.send('say hi')).rejects.toMatchObject({ code: 'ERR_UNSUPPORTED' });
    await supervisor.stop();
    expect(supervisor.state.state).toBe('stopped');
    expect(await liveTasks(supervisor.config.stackName)).toEqual([]);
    expect(await docker(['stack', 'ls', '--format', '{{.Name}}'])).not.toContain(
      supervisor.config.stackName,
    );
    const booted = lines.filter((l) => l.text.includes('booting on'));
    expect(booted.map((l) => l.task).sort()).toEqual(['1', '2']);
    expect(new Set(booted.map((l) => l.text.split(' on ')[1])).size).toBe(2);
    expect(lines.every((l) => l.service === 'app')).toBe(true);
    expect(lines.some((l) => l.stream === 'stderr' && l.text.endsWith('a warning on stderr'))).toBe(
      true,
    );
    // Scaled to zero before `stack rm`: the servers' last lines still arrive.
    expect(lines.filter((l) => l.text.endsWith(': stopping')).length).toBe(2);
  });

  it('reports a replica that dies on node 2 as crashed with its exit code and that replica lines', async () => {
    const supervisor = supervise();
    const lines: OutputLine[] = [];
    supervisor.on('output', (line) => lines.push(line));
    const crash = new Promise<{ exitCode?: number; lastLines: readonly OutputLine[] }>((resolve) =>
      supervisor.once('crash', resolve),
    );
    await supervisor.start();
    const slot = slotOn(lines, worker);
    writeFileSync(join(trigger.path, `app-${slot}-exit-42`), '');
    const state = await supervisor.waitFor('crashed');
    expect(state).toMatchObject({ state: 'crashed', exitCode: 42 });
    const details = await crash;
    expect(details.exitCode).toBe(42);
    expect(details.lastLines.at(-1)?.text).toBe(`app.${slot}: exiting with 42`);
    // The other replica still runs: there is something to stop.
    await supervisor.stop();
    expect(await liveTasks(supervisor.config.stackName)).toEqual([]);
  });

  it('fails start() when a task fails while starting, with the task exit code', async () => {
    // With a ready line, "before it was ready" does not depend on whether a poll caught the
    // task in `running` for the instant between its start and its exit.
    const supervisor = supervise({ EXIT_AT_BOOT: '3' }, { readyLine: true });
    await expect(supervisor.start()).rejects.toMatchObject({
      code: 'ERR_START_FAILED',
      exitCode: 3,
    });
    expect(supervisor.state).toMatchObject({ state: 'crashed', exitCode: 3 });
    // A dead run leaves its stack; the next start replaces it (a redeploy would not refill it).
    await supervisor.kill().catch(() => undefined);
  });

  it('follows the restart_policy: crashed, then starting and running again', async () => {
    const supervisor = supervise({ RESTART_CONDITION: 'on-failure' });
    const lines: OutputLine[] = [];
    supervisor.on('output', (line) => lines.push(line));
    await supervisor.start();
    const seen: string[] = [];
    supervisor.on('state', (next) => seen.push(next.state));
    const slot = slotOn(lines, worker);
    writeFileSync(join(trigger.path, `app-${slot}-exit-9`), '');
    await supervisor.waitFor('crashed');
    await supervisor.waitFor('running');
    expect(seen).toEqual(['crashed', 'starting', 'running']);
    await supervisor.stop();
  });

  it('restarts after a crash with a fresh stack, since a redeploy would not refill the dead replica', async () => {
    const supervisor = supervise();
    const lines: OutputLine[] = [];
    supervisor.on('output', (line) => lines.push(line));
    await supervisor.start();
    writeFileSync(join(trigger.path, `app-${slotOn(lines, worker)}-exit-1`), '');
    await supervisor.waitFor('crashed');
    await supervisor.restart();
    expect(supervisor.state.state).toBe('running');
    expect((await supervisor.stats()).processCount).toBe(2);
    await supervisor.stop();
  });

  it('keeps its shared task board to one poll for every instance on the manager', async () => {
    const a = supervise();
    const b = supervise();
    await Promise.all([a.start(), b.start()]);
    const { TaskBoard } = await import('../../src/swarm/task-board.js');
    const board = TaskBoard.acquire('unix:///var/run/docker.sock', console as never);
    // Past the fast polling that the deploys' events began.
    await new Promise((r) => setTimeout(r, 3500));
    const before = board.api.calls;
    await new Promise((r) => setTimeout(r, 3000));
    const calls = board.api.calls - before;
    // Two instances, one list: about one call a second while idle; one list each would be 6+.
    // (A loaded machine only delays timers: fewer calls, never more.)
    expect(calls).toBeGreaterThan(0);
    expect(calls).toBeLessThanOrEqual(5);
    await Promise.all([a.stop(), b.stop()]);
  });
});
