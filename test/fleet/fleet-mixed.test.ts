import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';
import { createSupervisor, Fleet, type FleetStateEvent } from '../../src/index.js';
import { describeWithEngine, docker, downProject, FIXTURES } from '../compose/engine.js';
import { testProjectName } from '../support/run-id.js';

const server = fileURLToPath(new URL('../fixtures/fake-game-server.mjs', import.meta.url));

describeWithEngine('Fleet of a process and a compose instance on a real engine', () => {
  it('runs both kinds side by side, and dispose leaves no process or container', async () => {
    const project = testProjectName('fleet-mixed');
    // Entries as an app loads them from its config file.
    const entries: unknown[] = JSON.parse(
      JSON.stringify([
        {
          kind: 'process',
          id: `proc-${process.pid}`,
          executable: process.execPath,
          args: [server],
          readiness: { pattern: 'Server started' },
          stopTimeoutMs: 2000,
        },
        {
          kind: 'compose',
          id: project,
          cwd: FIXTURES,
          files: ['basic.yaml'],
          services: ['app'],
          stopTimeoutMs: 1000,
          removeOnStop: true,
        },
      ]),
    );
    const fleet = new Fleet();
    try {
      for (const entry of entries) fleet.add(createSupervisor(entry));
      const kinds = fleet.ids.map((id) => fleet.get(id)?.kind);
      expect(kinds).toEqual(['process', 'compose']);

      const seen: FleetStateEvent[] = [];
      const running = (async () => {
        for await (const event of fleet.states()) {
          seen.push(event);
          if (fleet.snapshot().every((e) => e.state.state === 'running')) return;
        }
      })();
      const replies = await Promise.all(
        fleet.ids.map((instanceId) => fleet.dispatch({ instanceId, action: 'start' })),
      );
      expect(replies).toEqual([{ state: 'running' }, { state: 'running' }]);
      await running;
      for (const id of fleet.ids) {
        expect(seen.filter((e) => e.instanceId === id).map((e) => e.state.state)).toEqual([
          'stopped',
          'starting',
          'running',
        ]);
      }
      const pid = (fleet.get(fleet.ids[0] as string) as { pid?: number }).pid as number;
      expect(
        await docker('ps', '-q', '--filter', `label=com.docker.compose.project=${project}`),
      ).not.toBe('');

      await fleet[Symbol.asyncDispose]();
      expect(() => process.kill(pid, 0)).toThrow();
      expect(
        await docker('ps', '-aq', '--filter', `label=com.docker.compose.project=${project}`),
      ).toBe('');
    } finally {
      await fleet[Symbol.asyncDispose]().catch(() => undefined);
      await downProject(project);
    }
  }, 120_000);
});
