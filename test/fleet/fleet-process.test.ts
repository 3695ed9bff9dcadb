import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  createSupervisor,
  Fleet,
  type FleetStateEvent,
  type ProcessSupervisor,
  States,
} from '../../src/index.js';

const server = fileURLToPath(new URL('../fixtures/fake-game-server.mjs', import.meta.url));

/** Entries as an app would load them from a JSON file. */
function configs(ids: string[], extraArgs: string[] = []): unknown[] {
  return JSON.parse(
    JSON.stringify(
      ids.map((id) => ({
        kind: 'process',
        id: `${id}-${process.pid}`,
        executable: process.execPath,
        args: [server, '--boot-ms=50', ...extraArgs],
        readiness: { pattern: 'Server started', timeoutMs: 15_000 },
        stopTimeoutMs: 500,
        restartDelayMs: 0,
      })),
    ),
  );
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Collects `fleet.states()` until `done` says so. */
async function collect(
  states: AsyncIterable<FleetStateEvent>,
  done: (seen: FleetStateEvent[]) => boolean,
): Promise<FleetStateEvent[]> {
  const seen: FleetStateEvent[] = [];
  for await (const event of states) {
    seen.push(event);
    if (done(seen)) break;
  }
  return seen;
}

const pidOf = (fleet: Fleet, id: string): number =>
  (fleet.get(id) as ProcessSupervisor).pid as number;

describe('Fleet over real ProcessSupervisors', () => {
  it('dispatches, merges states, snapshots, and stopAll stops only what runs', async () => {
    await using fleet = new Fleet();
    for (const config of configs(['alpha', 'beta', 'idle'])) fleet.add(createSupervisor(config));
    const [alpha, beta, idle] = fleet.ids as [string, string, string];
    const observed = collect(
      fleet.states(),
      (seen) => seen.filter((e) => e.state.state === 'running').length === 2,
    );
    await Promise.all([
      fleet.dispatch({ instanceId: alpha, action: 'start' }),
      fleet.dispatch({ instanceId: beta, action: 'start' }),
    ]);
    const seen = await observed;
    for (const id of [alpha, beta]) {
      expect(seen.filter((e) => e.instanceId === id).map((e) => e.state.state)).toEqual([
        'stopped',
        'starting',
        'running',
      ]);
    }
    expect(seen.filter((e) => e.instanceId === idle).map((e) => e.state.state)).toEqual([
      'stopped',
    ]);
    expect(fleet.snapshot().map((e) => [e.instanceId, e.state.state])).toEqual([
      [alpha, 'running'],
      [beta, 'running'],
      [idle, 'stopped'],
    ]);

    const pids = [pidOf(fleet, alpha), pidOf(fleet, beta)];
    expect(pids.every(alive)).toBe(true);
    const crashedBeta = fleet.get(beta)!.waitFor('crashed');
    await fleet.get(beta)!.send('crash 4');
    expect(await crashedBeta).toEqual({ state: 'crashed', exitCode: 4 });

    await expect(fleet.stopAll({ concurrency: 1 })).resolves.toEqual([alpha]);
    expect(fleet.get(alpha)!.state).toBe(States.stopped);
    expect(fleet.get(beta)!.state).toEqual({ state: 'crashed', exitCode: 4 });
    expect(pids.some(alive)).toBe(false);
  });

  it('dispose leaves no server alive, even one that ignores SIGTERM', async () => {
    const fleet = new Fleet();
    for (const config of configs(['stubborn'], ['--ignore-term']))
      fleet.add(createSupervisor(config));
    for (const config of configs(['polite'])) fleet.add(createSupervisor(config));
    await Promise.all(
      fleet.ids.map((instanceId) => fleet.dispatch({ instanceId, action: 'start' })),
    );
    const pids = fleet.ids.map((id) => pidOf(fleet, id));
    expect(pids.every(alive)).toBe(true);
    const supervisors = fleet.ids.map((id) => fleet.get(id)!);
    await fleet[Symbol.asyncDispose]();
    expect(pids.some(alive)).toBe(false);
    expect(supervisors.map((s) => s.state.state)).toEqual(['stopped', 'stopped']);
  });

  it('reports a command that fails on a real process, and keeps serving', async () => {
    await using fleet = new Fleet();
    const [config] = configs(['failing']);
    const supervisor = fleet.add(
      createSupervisor({ ...(config as object), executable: '/nonexistent/server' }),
    );
    await expect(
      fleet.dispatch({ instanceId: supervisor.instanceId, action: 'start' }),
    ).rejects.toMatchObject({
      code: 'ERR_EXECUTABLE_NOT_FOUND',
      instanceId: supervisor.instanceId,
    });
    expect(supervisor.state).toBe(States.stopped);
  });
});
