// The swarm plane on the two-node swarm (scripts/setup-swarm.sh): deploy → running and stop → no
// task left, against the raw `docker stack deploy` / `docker stack rm` followed by polling the
// manager's /tasks every 50 ms; a task's death on node 2 → `crashed`; and the Engine API calls
// per minute that 10 idle stacks cost.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openManager } from '../../src/swarm/engine.js';
import { SwarmSupervisor } from '../../src/swarm/index.js';
import { TaskBoard } from '../../src/swarm/task-board.js';
import { stateReached } from '../lib/gameward.js';
import { interleave, now, runScenario } from '../lib/scenario.js';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const STACKS = Number(process.env.BENCH_SWARM_STACKS ?? 10);
const FIXTURES = join(import.meta.dirname, '../../test/fixtures/swarm');
const FILE = join(FIXTURES, 'two-nodes.yaml');
const trigger = mkdtempSync(join(tmpdir(), 'gw-bench-swarm-'));
const env = { GW_FIXTURES: FIXTURES, GW_TRIGGER_DIR: trigger };
const api = openManager('unix:///var/run/docker.sock');
const made = new Set<string>();
let counter = 0;

const docker = (args: string[]): string =>
  execFileSync('docker', args, { env: { ...process.env, ...env }, encoding: 'utf8' }).trim();
const name = (): string => {
  counter += 1;
  const stack = `gwbench${process.pid}x${counter}`;
  made.add(stack);
  return stack;
};

interface RawTask {
  DesiredState: string;
  Status: { State: string };
}
async function tasks(stack: string): Promise<RawTask[]> {
  const filters = { label: [`com.docker.stack.namespace=${stack}`] };
  return api.request<RawTask[]>('GET', '/tasks', { filters });
}
const LIVE = /^(new|pending|assigned|accepted|preparing|ready|starting|running)$/;
async function pollUntil(check: () => Promise<boolean>): Promise<number> {
  while (!(await check())) await new Promise((r) => setTimeout(r, 50));
  return now();
}

function supervisor(stackName: string): SwarmSupervisor {
  return new SwarmSupervisor({
    id: 'bench-swarm',
    cwd: FIXTURES,
    files: ['two-nodes.yaml'],
    stackName,
    env,
    stopTimeoutMs: 20_000,
  });
}

runScenario(async () => {
  try {
    const up = { raw: [] as number[], gameward: [] as number[] };
    const down = { raw: [] as number[], gameward: [] as number[] };
    const cycles = await interleave(ROUNDS, {
      raw: async () => {
        const stack = name();
        const t0 = now();
        docker(['stack', 'deploy', '--resolve-image', 'never', '-c', FILE, stack]);
        const t1 = await pollUntil(async () => {
          const list = await tasks(stack);
          return (
            list.filter((t) => t.DesiredState === 'running' && t.Status.State === 'running')
              .length === 2
          );
        });
        const t2 = now();
        docker(['stack', 'rm', stack]);
        const t3 = await pollUntil(
          async () => !(await tasks(stack)).some((t) => LIVE.test(t.Status.State)),
        );
        up.raw.push(t1 - t0);
        down.raw.push(t3 - t2);
        return t1 - t0;
      },
      gameward: async () => {
        const s = supervisor(name());
        const running = stateReached(s, 'running');
        const t0 = now();
        await s.start();
        const t1 = await running;
        const stopped = stateReached(s, 'stopped');
        const t2 = now();
        await s.stop();
        const t3 = await stopped;
        await s.close();
        up.gameward.push(t1 - t0);
        down.gameward.push(t3 - t2);
        return t1 - t0;
      },
    });

    // A replica on node 2 exits: file written → `crashed` (the server polls its trigger every 0.1 s).
    const worker = docker(['node', 'ls', '-q', '--filter', 'role=worker']);
    const death: number[] = [];
    for (let round = 0; round < ROUNDS; round += 1) {
      const s = supervisor(name());
      let slot = '';
      s.on('output', (line) => {
        if (line.text.includes(`booting on ${worker}`)) slot = line.task ?? '';
      });
      await s.start();
      const deadline = now() + 10_000;
      while (slot === '') {
        if (now() > deadline) throw new Error('no replica printed its boot line on node 2');
        await new Promise((r) => setTimeout(r, 20));
      }
      // Past the fast polling that the deploy's events began: this measures the idle rate.
      await new Promise((r) => setTimeout(r, 4000));
      const crashed = stateReached(s, 'crashed');
      const t0 = now();
      writeFileSync(join(trigger, `app-${slot}-exit-3`), '');
      death.push((await crashed) - t0);
      await s.stop();
      await s.close();
    }

    // Idle cost: STACKS running instances on one manager, API calls over 30 s.
    const fleet = Array.from({ length: STACKS }, () => supervisor(name()));
    for (const s of fleet) await s.start();
    const board = TaskBoard.acquire('unix:///var/run/docker.sock', console as never);
    await new Promise((r) => setTimeout(r, 5000));
    const before = board.api.calls;
    const t0 = now();
    await new Promise((r) => setTimeout(r, 30_000));
    const idleCallsPerMinute = ((board.api.calls - before) * 60_000) / (now() - t0);
    for (const s of fleet) {
      await s.stop();
      await s.close();
    }
    return { cycles, up, down, death, idleCallsPerMinute, stacks: STACKS };
  } finally {
    for (const stack of made) {
      try {
        docker(['stack', 'rm', stack]);
      } catch {
        // Already gone.
      }
    }
    rmSync(trigger, { recursive: true, force: true });
  }
});
