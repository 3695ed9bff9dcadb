import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { listDescendants, sampleProcessTree } from '../../src/stats/process-tree.js';

const fixture = (name: string) =>
  fileURLToPath(new URL(`../fixtures/stats/${name}`, import.meta.url));
const alive: ChildProcess[] = [];

/** Starts the fixture tree in its own process group and waits until both children are forked. */
async function startTree(...args: string[]): Promise<number> {
  const child = spawn(fixture('tree.sh'), args, {
    detached: true,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  alive.push(child);
  const [chunk] = (await once(child.stdout!, 'data')) as [Buffer];
  expect(chunk.toString()).toBe('ready\n');
  return child.pid!;
}

afterEach(async () => {
  for (const child of alive.splice(0)) {
    if (child.exitCode !== null || child.signalCode !== null) continue;
    const exited = once(child, 'exit');
    // The whole group: the shell and the children it forked.
    process.kill(-child.pid!, 'SIGKILL');
    await exited;
  }
});

async function goneChildPid(): Promise<number> {
  const child = spawn('true');
  await once(child, 'exit');
  return child.pid!;
}

describe('listDescendants', () => {
  it('lists children and grandchildren, not the root', async () => {
    const root = await startTree('nested');
    const pids = await listDescendants(root);
    expect(pids).toHaveLength(3);
    expect(pids).not.toContain(root);
  });

  it('is empty for a root that is gone', async () => {
    expect(await listDescendants(await goneChildPid())).toEqual([]);
  });

  it('refuses a pid that is not a positive integer (-1 would mean every process)', async () => {
    await expect(listDescendants(-1)).rejects.toThrow(RangeError);
    await expect(sampleProcessTree(0)).rejects.toThrow(RangeError);
  });
});

describe('sampleProcessTree', () => {
  it('sums the root and both children, counting the busy one', async () => {
    const root = await startTree();
    const first = await sampleProcessTree(root);
    expect(first.processCount).toBe(3);
    expect(first.memoryBytes).toBeGreaterThan(0);
    expect(first.time).toBeGreaterThan(Date.now() - 60_000);
    // The first sample of a pid is its average since start; later ones cover the time since the
    // previous sample. Either way a child spinning in a loop shows up once it has used a tick.
    let sample = first;
    for (let i = 0; i < 100 && sample.cpuPercent === 0; i++) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      sample = await sampleProcessTree(root);
    }
    expect(sample.processCount).toBe(3);
    expect(sample.cpuPercent).toBeGreaterThan(0);
    // One busy loop cannot use more than one core (plus rounding for the shell and sleep).
    expect(sample.cpuPercent).toBeLessThan(150);
  });

  it('gives zeros for a root that is gone', async () => {
    const sample = await sampleProcessTree(await goneChildPid());
    expect(sample).toMatchObject({ cpuPercent: 0, memoryBytes: 0, processCount: 0 });
  });

  it('counts only the processes still alive when a child exits', async () => {
    const root = await startTree();
    const children = await listDescendants(root);
    expect(children).toHaveLength(2);
    // A forked child shows the shell's command line until its exec of sleep completes.
    const findSleeper = () =>
      children.find((pid) => readFileSync(`/proc/${pid}/cmdline`, 'latin1').startsWith('sleep'));
    let sleeper = findSleeper();
    for (let i = 0; i < 100 && sleeper === undefined; i++) {
      await new Promise((resolve) => setTimeout(resolve, 10));
      sleeper = findSleeper();
    }
    process.kill(sleeper!, 'SIGKILL');
    // The shell reaps it; poll until the listing no longer shows it.
    let sample = await sampleProcessTree(root);
    for (let i = 0; i < 100 && sample.processCount > 2; i++) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      sample = await sampleProcessTree(root);
    }
    expect(sample.processCount).toBe(2);
    expect(sample.memoryBytes).toBeGreaterThan(0);
  });

  it('leaves nothing that keeps the event loop alive', () => {
    const result = spawnSync(process.execPath, ['--import', 'tsx', fixture('sample-self.ts')], {
      encoding: 'utf8',
      timeout: 20_000,
    });
    expect(result.signal).toBeNull();
    expect(result.status).toBe(0);
    const { first, second } = JSON.parse(result.stdout) as Record<string, { processCount: number }>;
    expect(first?.processCount).toBeGreaterThanOrEqual(1);
    expect(second?.processCount).toBeGreaterThanOrEqual(1);
  });
});
