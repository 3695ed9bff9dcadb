// gameward runs podman's healthchecks itself (podman 4.3 schedules them with systemd timers, and
// without systemd none ever runs): PodmanHealthDriver on the real podman, then a health-gated
// compose stack under a supervisor.
import { expect, it, vi } from 'vitest';
import { parseEngineAddress } from '../../src/engine/address.js';
import { EngineClient } from '../../src/engine/client.js';
import { PodmanHealthDriver } from '../../src/engine/podman-health.js';
import { on, PODMAN_ENGINE } from '../compose/engines.js';
import { lineCount } from '../compose/stack.js';
import { createContainer, describeWithPodman, PODMAN_HOST } from './podman.js';

const HEALTHCHECK = {
  Test: ['CMD', 'test', '-f', '/tmp/healthy'],
  Interval: 200_000_000,
  Timeout: 2_000_000_000,
  Retries: 1000,
};

function driver(failures: unknown[] = []): PodmanHealthDriver {
  const client = new EngineClient(parseEngineAddress({ DOCKER_HOST: PODMAN_HOST }));
  return new PodmanHealthDriver({
    client,
    timeoutMs: 10_000,
    failed: (_id, error) => failures.push(error),
  });
}

const { stack, inspectState } = on(PODMAN_ENGINE);

describeWithPodman(
  'podman healthchecks driven by gameward',
  () => {
    it('runs the checks at the interval until the container dies, then drops it', async () => {
      const failures: unknown[] = [];
      const health = driver(failures);
      const container = await createContainer('driven', 'sleep 0.5; touch /tmp/healthy; sleep 60', {
        Healthcheck: HEALTHCHECK,
      });
      await container.start();
      expect(health.size).toBe(0);
      await health.consider(container.id);
      expect(health.size).toBe(1);
      // Failing checks under `retries` leave it starting; the first passing one makes it healthy.
      await vi.waitFor(
        async () => expect((await container.inspect()).State.Health?.Status).toBe('healthy'),
        { timeout: 20_000, interval: 100 },
      );
      const log = (await container.inspect()).State.Health?.Log ?? [];
      expect(log.length).toBeGreaterThanOrEqual(1);
      await container.kill();
      // The next call finds it not running: the timer ends by itself.
      await vi.waitFor(() => expect(health.size).toBe(0), { timeout: 10_000, interval: 50 });
      expect(failures).toEqual([]);
      await container.remove({ force: true });
    });

    it('drives nothing for a container without healthcheck or not running; stopAll ends all', async () => {
      const health = driver();
      const plain = await createContainer('undriven', 'sleep 60');
      await plain.start();
      await health.consider(plain.id);
      expect(health.size).toBe(0);
      const created = await createContainer('created', 'sleep 60', { Healthcheck: HEALTHCHECK });
      await health.consider(created.id);
      expect(health.size).toBe(0);
      await created.start();
      await health.consider(created.id);
      await health.consider(created.id);
      expect(health.size).toBe(1);
      health.stopAll();
      expect(health.size).toBe(0);
      await Promise.all([plain.remove({ force: true }), created.remove({ force: true })]);
    });

    it('a health-gated stack (depends_on service_healthy) starts once the gate passes', async () => {
      await using s = stack('gated', 'gated.yaml');
      const started = s.supervisor.start();
      await lineCount(s, 'gate: ready for players');
      // compose up waits for `gate` to be healthy: `late` does not exist yet.
      expect(s.supervisor.state.state).toBe('starting');
      expect((await inspectState(s.container('gate'))).Health?.Status).toBe('starting');
      s.touch('gate-open');
      await started;
      expect(s.states).toEqual(['stopped', 'starting', 'running']);
      expect((await inspectState(s.container('gate'))).Health?.Status).toBe('healthy');
      expect((await inspectState(s.container('late'))).Status).toBe('running');
    });
  },
  { timeoutMs: 120_000 },
);
