import { randomUUID } from 'node:crypto';
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ProcessSupervisor } from '../../src/process/index.js';
import { survivorsAfter, zombieChildren } from '../reliability/os-truth.js';

const CYCLES = Number(process.env.GAMEWARD_SOAK_CYCLES ?? 2000);
// The first few hundred cycles grow the heap once (JIT, inline caches, the console ring filling):
// the baseline is taken after them, so what is compared is growth per cycle.
const WARMUP = Math.min(500, Math.floor(CYCLES / 4));
const SERVER = fileURLToPath(new URL('./fixtures/chatty-sleeper.sh', import.meta.url));
const MARK = 'GAMEWARD_SOAK_RUN';

function openFds(): number {
  return readdirSync('/proc/self/fd').length;
}

function heapAfterGc(): number {
  const gc = globalThis.gc;
  if (gc === undefined) throw new Error('the soak runs with --expose-gc (vitest.soak.config.ts)');
  gc();
  gc();
  return process.memoryUsage().heapUsed;
}

/** Within ±10% of the baseline (and never more than `slack` above it, for tiny baselines). */
function expectNearBaseline(what: string, baseline: number, now: number, slack: number): void {
  const limit = Math.max(baseline * 0.1, slack);
  expect(Math.abs(now - baseline), `${what}: baseline ${baseline}, now ${now}`).toBeLessThanOrEqual(
    limit,
  );
}

describe(`soak: ${CYCLES} start/stop cycles`, () => {
  it('returns file descriptors and heap to baseline and leaves no zombie', async () => {
    const mark = randomUUID();
    await using sup = new ProcessSupervisor({
      id: 'soak',
      executable: SERVER,
      env: { [MARK]: mark },
      stopTimeoutMs: 5000,
      outputBufferLines: 100,
    });
    let lines = 0;
    sup.on('output', () => {
      lines += 1;
    });
    const states: string[] = [];
    sup.on('state', (next) => states.push(next.state));

    const cycle = async (): Promise<void> => {
      await sup.start();
      expect(sup.state.state).toBe('running');
      await sup.stop();
      expect(sup.state.state).toBe('stopped');
    };

    for (let i = 0; i < WARMUP; i += 1) await cycle();
    const fdBaseline = openFds();
    const heapBaseline = heapAfterGc();

    for (let i = WARMUP; i < CYCLES; i += 1) await cycle();

    // Every cycle went stopped → starting → running → stopping → stopped, nothing else.
    expect(states).toHaveLength(CYCLES * 4);
    expect(states.filter((s) => s === 'crashed')).toEqual([]);
    // The console kept working (the boot lines of most cycles arrive before the stop).
    expect(lines).toBeGreaterThan(0);

    const fds = openFds();
    const heap = heapAfterGc();
    console.log(
      `soak: ${CYCLES} cycles; fds ${fdBaseline} -> ${fds}; heap ${(heapBaseline / 2 ** 20).toFixed(1)} -> ${(heap / 2 ** 20).toFixed(1)} MiB`,
    );
    expectNearBaseline('open file descriptors', fdBaseline, fds, 2);
    expectNearBaseline('heap used after GC', heapBaseline, heap, 1024 * 1024);
    expect(zombieChildren()).toEqual([]);
    expect(await survivorsAfter(MARK, mark)).toEqual([]);
  });
});
