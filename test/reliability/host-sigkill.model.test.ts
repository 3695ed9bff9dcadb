import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { readProcTable } from '../../src/os/proc-table.js';
import { ProcessSupervisor, type ProcessSupervisorConfig } from '../../src/process/index.js';
import { fixture } from '../process/helpers.js';
import { Host } from '../process/host.js';

const RUNS = Number(process.env.GAMEWARD_HOST_KILL_RUNS ?? 100);

/** Live processes running this instance's server (its `--name` is the instance id). */
async function servers(id: string): Promise<number[]> {
  const { readFileSync } = await import('node:fs');
  const found: number[] = [];
  for (const entry of (await readProcTable()).values()) {
    if (entry.state === 'Z' || entry.state === 'X') continue;
    try {
      const cmdline = readFileSync(`/proc/${entry.pid}/cmdline`, 'latin1');
      // The server itself (node), not its keeper, whose command line names the server's too.
      const argv = cmdline.split('\0');
      if (argv[0] === process.execPath && argv.includes(`--name=${id}`)) {
        found.push(entry.pid);
      }
    } catch {
      // Gone meanwhile.
    }
  }
  return found;
}

type Step =
  | { kind: 'start' }
  | { kind: 'stop' }
  | { kind: 'kill' }
  | { kind: 'crash'; code: number };

const step: fc.Arbitrary<Step> = fc.oneof(
  fc.constant<Step>({ kind: 'start' }),
  fc.constant<Step>({ kind: 'stop' }),
  fc.constant<Step>({ kind: 'kill' }),
  fc.integer({ min: 1, max: 120 }).map<Step>((code) => ({ kind: 'crash', code })),
);

/**
 * Issue 12's reliability target: the host agent is SIGKILLed in the middle of random lifecycle
 * calls, again and again; every time, the next host adopts what is there, and the OS agrees:
 * never two servers, never a server reported gone, never a lost exit code.
 */
describe('a host SIGKILLed during random lifecycle calls (stateDir)', () => {
  it(`${RUNS} kills in a row: 0 lost or doubled servers, 0 lost exit codes`, async () => {
    const stateDir = mkdtempSync(join(tmpdir(), 'gwh-'));
    let run = 0;
    try {
      await fc.assert(
        fc.asyncProperty(
          fc.array(step, { minLength: 1, maxLength: 4 }),
          fc.integer({ min: 0, max: 250 }),
          async (steps, killAfterMs) => {
            run += 1;
            const id = `hk-${process.pid}-${run}`;
            const config: ProcessSupervisorConfig = {
              id,
              executable: process.execPath,
              args: [fixture('fake-game-server.mjs'), `--name=${id}`, '--boot-lines=1'],
              readiness: { pattern: 'Server started' },
              stopCommand: 'quit',
              stopTimeoutMs: 3000,
              stateDir,
            };
            const host = new Host(config);
            const crashCodes = new Set<number>();
            try {
              await host.next((e) => e.event === 'ready');
              for (const s of steps) {
                if (s.kind === 'crash') {
                  crashCodes.add(s.code);
                  host.child.stdin?.write(`send crash ${s.code}\n`);
                } else {
                  host.child.stdin?.write(`${s.kind}\n`);
                }
              }
              await new Promise((resolve) => setTimeout(resolve, killAfterMs));
            } finally {
              await host.sigkill();
            }
            const next = new ProcessSupervisor(config);
            try {
              const state = await next.refresh();
              const live = await servers(id);
              expect(live.length).toBeLessThanOrEqual(1);
              if (state.state === 'running') {
                expect(live).toEqual([next.pid]);
              } else {
                expect(live).toEqual([]);
                // An exit the next host reports carries a code this run caused, never a lost one.
                if (state.state === 'crashed' && state.exitCode !== undefined) {
                  expect(crashCodes.has(state.exitCode)).toBe(true);
                }
                // A server can always be started again, and only once.
                await next.start();
                expect(await servers(id)).toEqual([next.pid]);
              }
              await expect(next.start()).rejects.toMatchObject({ code: 'ERR_ALREADY_RUNNING' });
            } finally {
              await next.close();
            }
            expect(await servers(id)).toEqual([]);
          },
        ),
        { numRuns: RUNS, endOnFailure: true },
      );
    } finally {
      rmSync(stateDir, { recursive: true, force: true });
    }
  }, 900_000);
});
