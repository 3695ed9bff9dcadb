// Podman 4.3 schedules healthchecks with systemd timers: without systemd (CI, this machine) no
// check ever runs by itself. Its libpod endpoint runs one on demand, which is what gameward drives.
import { existsSync } from 'node:fs';
import { expect, it } from 'vitest';
import {
  apiSeconds,
  collectEvents,
  createContainer,
  describeWithPodman,
  PROJECT_LABEL,
  podman,
  testName,
} from './podman.js';

const HEALTHCHECK = {
  Test: ['CMD', 'test', '-f', '/tmp/healthy'],
  Interval: 500_000_000,
  Timeout: 2_000_000_000,
  Retries: 1000,
};

/** One check through libpod's own endpoint (`podman healthcheck run` over the API). */
async function runHealthcheck(id: string): Promise<{ Status: string }> {
  return new Promise((resolve, reject) => {
    podman.modem.dial(
      {
        path: `/v4.3.1/libpod/containers/${id}/healthcheck?`,
        method: 'GET',
        statusCodes: { 200: true, 404: 'no such container', 409: 'no healthcheck' },
      },
      (error, result) => (error ? reject(error) : resolve(result as { Status: string })),
    );
  });
}

describeWithPodman('podman healthchecks', () => {
  it.runIf(!existsSync('/run/systemd/system'))(
    'never runs a healthcheck by itself without systemd: no health_status event, Health stays starting',
    async () => {
      const name = testName('health-idle');
      const container = await createContainer('health-idle', 'touch /tmp/healthy; sleep 60', {
        Healthcheck: HEALTHCHECK,
      });
      const from = Date.now();
      await container.start();
      // Six intervals, observed through the stream's own end (`until`).
      const events = await collectEvents({
        filters: { label: [`${PROJECT_LABEL}=${name}`] },
        since: apiSeconds(from - 1000),
        until: apiSeconds(Date.now() + 3000),
      });
      expect(events.map((e) => e.Action)).toEqual(['create', 'init', 'start']);
      const { State } = await container.inspect();
      expect(State.Health).toEqual({ Status: 'starting', FailingStreak: 0, Log: null });
      await container.remove({ force: true });
    },
  );

  it('runs one check on demand through libpod; the event says `health_status` with no status', async () => {
    const name = testName('health-driven');
    const container = await createContainer('health-driven', 'touch /tmp/healthy; sleep 60', {
      Healthcheck: HEALTHCHECK,
    });
    const from = Date.now() - 1000;
    await container.start();
    await expect(runHealthcheck(container.id)).resolves.toMatchObject({ Status: 'healthy' });
    const events = await collectEvents(
      { filters: { label: [`${PROJECT_LABEL}=${name}`] }, since: apiSeconds(from) },
      (seen) => seen.some((e) => e.Action.startsWith('health_status')),
    );
    const health = events.find((e) => e.Action.startsWith('health_status'));
    // Docker: `health_status: healthy`. The status must be read from inspect.
    expect(health?.Action).toBe('health_status');
    expect(health?.status).toBe('health_status');
    expect(health?.Actor.Attributes.health_status).toBeUndefined();
    expect((await container.inspect()).State.Health?.Status).toBe('healthy');
    await container.remove({ force: true });
  });

  it('has State.Health with an empty Status for a container without healthcheck (Docker: none)', async () => {
    const container = await createContainer('health-none', 'sleep 60');
    await container.start();
    const { State } = await container.inspect();
    expect(State.Health).toEqual({ Status: '', FailingStreak: 0, Log: null });
    await expect(runHealthcheck(container.id)).rejects.toThrow(/no healthcheck|409/);
    await container.remove({ force: true });
  });
});
