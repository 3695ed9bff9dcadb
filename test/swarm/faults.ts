// Part of two-node.test.ts: a broken stack file, an engine that is no manager, adoption.
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { SwarmSupervisor } from '../../src/swarm/index.js';
import {
  describeWithSwarm,
  docker,
  FIXTURES,
  fixtureEnv,
  liveTasks,
  NODE2_HOST,
  removeStacks,
  stackName,
  triggerDir,
} from './swarm.js';

const stacks = new Set<string>();
const supervisors: SwarmSupervisor[] = [];
let trigger: ReturnType<typeof triggerDir>;

function supervise(config: { files?: string[]; env?: Record<string, string> } = {}) {
  const supervisor = new SwarmSupervisor({
    id: 'swarm-fault',
    cwd: FIXTURES,
    files: config.files ?? ['two-nodes.yaml'],
    stackName: stackName(stacks),
    env: { ...fixtureEnv(trigger.path), ...config.env },
    stopTimeoutMs: 20_000,
  });
  supervisors.push(supervisor);
  return supervisor;
}

describeWithSwarm('SwarmSupervisor faults and adoption', () => {
  beforeAll(() => {
    trigger = triggerDir();
  });
  afterEach(async () => {
    await Promise.all(supervisors.splice(0).map((s) => s.close().catch(() => undefined)));
  });
  afterAll(async () => {
    const left = await removeStacks(stacks);
    trigger?.remove();
    expect(left, 'stacks, services or containers left behind').toEqual([]);
  });

  it('rejects a broken stack file with ERR_COMPOSE, naming the stack, and deploys nothing', async () => {
    const supervisor = supervise({ files: ['broken.yaml'] });
    const error = await supervisor.start().catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'ERR_COMPOSE', instanceId: 'swarm-fault' });
    expect((error as Error).message).toContain(supervisor.config.stackName);
    expect((error as { stderr?: string }).stderr).toMatch(/yaml/);
    // The core decides the state of a failed launch (the same on every plane); nothing runs.
    expect(['stopped', 'crashed']).toContain(supervisor.state.state);
    expect(await docker(['stack', 'ls', '--format', '{{.Name}}'])).not.toContain(
      supervisor.config.stackName,
    );
  });

  it('says ERR_ENGINE_UNAVAILABLE when the engine is no swarm manager (node 2 is a worker)', async () => {
    const supervisor = supervise({ env: { DOCKER_HOST: NODE2_HOST } });
    const error = await supervisor.start().catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'ERR_ENGINE_UNAVAILABLE' });
    expect((error as Error).message).toMatch(/not a swarm manager/);
    await expect(supervisor.refresh()).rejects.toMatchObject({ code: 'ERR_ENGINE_UNAVAILABLE' });
    expect(supervisor.state.state).toBe('stopped');
  });

  it('adopts a deployed stack without touching it and without replaying its old output', async () => {
    const name = stackName(stacks);
    await docker(
      ['stack', 'deploy', '--resolve-image', 'never', '-c', `${FIXTURES}/two-nodes.yaml`, name],
      undefined,
      {
        cwd: FIXTURES,
        env: fixtureEnv(trigger.path),
      },
    );
    // Wait (outside gameward) until both replicas run.
    const deadline = Date.now() + 60_000;
    while ((await liveTasks(name)).filter((l) => / Running/.test(l)).length < 2) {
      if (Date.now() > deadline) throw new Error('the stack did not come up');
      await new Promise((r) => setTimeout(r, 200));
    }
    const tasksBefore = await liveTasks(name);
    const supervisor = new SwarmSupervisor({
      id: 'swarm-adopt',
      cwd: FIXTURES,
      files: ['two-nodes.yaml'],
      stackName: name,
      env: fixtureEnv(trigger.path),
      stopOnDispose: false,
    });
    supervisors.push(supervisor);
    const lines: string[] = [];
    supervisor.on('output', (line) => lines.push(line.text));
    expect(await supervisor.refresh()).toMatchObject({ state: 'running' });
    await expect(supervisor.start()).rejects.toMatchObject({ code: 'ERR_ALREADY_RUNNING' });
    await supervisor.close();
    expect(lines.filter((l) => l.includes('booting'))).toEqual([]);
    // Same tasks, still running: adoption and dispose (stopOnDispose false) left them alone.
    expect(await liveTasks(name)).toEqual(tasksBefore);
  });
});
