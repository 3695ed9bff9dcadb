// The docker compose CLI (v2) with DOCKER_HOST at podman's socket: what the plane's lifecycle
// commands rely on, and `up --wait` on a healthcheck, which needs gameward to run the checks.
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import {
  composeOnPodman,
  describeWithPodman,
  PROJECT_LABEL,
  podman,
  SERVICE_LABEL,
  testName,
} from './podman.js';

const COMPOSE_LABELS = [
  'com.docker.compose.config-hash',
  'com.docker.compose.container-number',
  'com.docker.compose.oneoff',
  PROJECT_LABEL,
  'com.docker.compose.project.config_files',
  'com.docker.compose.project.working_dir',
  SERVICE_LABEL,
  'com.docker.compose.version',
];

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

/** A project on podman, downed (with its trigger directory removed) after the test. */
function project(name: string): { name: string; env: Record<string, string>; trigger: string } {
  const trigger = mkdtempSync(join(tmpdir(), 'gw-podman-'));
  const full = testName(name);
  cleanups.push(async () => {
    await composeOnPodman(full, 'basic.yaml', ['down', '-t', '0', '--remove-orphans']).catch(
      () => undefined,
    );
    rmSync(trigger, { recursive: true, force: true });
  });
  return { name: full, env: { GW_TRIGGER_DIR: trigger }, trigger };
}

async function containersOf(name: string) {
  return podman.listContainers({ all: true, filters: { label: [`${PROJECT_LABEL}=${name}`] } });
}

describeWithPodman('docker compose on podman', () => {
  it('runs up, kill and down with every compose label, exit 137 on kill', async () => {
    const stack = project('compose-basic');
    await composeOnPodman(stack.name, 'basic.yaml', ['up', '-d', '--wait'], stack.env);
    const running = await containersOf(stack.name);
    expect(running.map((c) => [c.Labels[SERVICE_LABEL], c.State]).sort()).toEqual([
      ['app', 'running'],
      ['side', 'running'],
    ]);
    for (const c of running)
      expect(Object.keys(c.Labels)).toEqual(expect.arrayContaining(COMPOSE_LABELS));
    await composeOnPodman(stack.name, 'basic.yaml', ['kill'], stack.env);
    const killed = await containersOf(stack.name);
    for (const c of killed) {
      expect((await podman.getContainer(c.Id).inspect()).State.ExitCode).toBe(137);
    }
    await composeOnPodman(stack.name, 'basic.yaml', ['down', '-t', '0'], stack.env);
    expect(await containersOf(stack.name)).toEqual([]);
  });

  it.runIf(!existsSync('/run/systemd/system'))(
    '`up --wait` on a healthcheck never ends by itself, and ends once the checks are run through libpod',
    async () => {
      const stack = project('compose-health');
      writeFileSync(join(stack.trigger, 'app-healthy'), '');
      const up = (timeoutMs: number) =>
        composeOnPodman(stack.name, 'health.yaml', ['up', '-d', '--wait'], stack.env, timeoutMs);
      // Docker turns this healthy within one 500 ms interval; podman runs no check at all.
      await expect(up(8000)).rejects.toMatchObject({ killed: true });
      const [app] = await containersOf(stack.name);
      expect(app?.State).toBe('running');
      const inspect = await podman.getContainer(app?.Id ?? '').inspect();
      expect(inspect.State.Health?.Status).toBe('starting');
      // What gameward's health driver does: run the check through libpod's endpoint.
      const driving = setInterval(() => {
        podman.modem.dial(
          {
            path: `/v4.3.1/libpod/containers/${app?.Id}/healthcheck?`,
            method: 'GET',
            statusCodes: { 200: true },
          },
          () => undefined,
        );
      }, 250);
      try {
        await up(30_000);
      } finally {
        clearInterval(driving);
      }
      expect((await podman.getContainer(app?.Id ?? '').inspect()).State.Health?.Status).toBe(
        'healthy',
      );
    },
  );
});
