import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  adoptKept,
  type DroppedOutput,
  launchKept,
  replayKeptOutput,
} from '../../src/keeper/index.js';
import { cleanUp, makeStateDir, testEnv, waitDead } from './helpers.js';

const FLOOD = new URL('../fixtures/flood.mjs', import.meta.url).pathname;
let stateDir = makeStateDir();
const dirs: string[] = [];
afterEach(async () => {
  await cleanUp(stateDir, dirs.splice(0));
  stateDir = makeStateDir();
});

function retainedBytes(dir: string, prefix: string): number {
  return readdirSync(dir)
    .filter((name) => name.startsWith(`${prefix}.0`))
    .reduce((sum, name) => sum + statSync(join(dir, name)).size, 0);
}

describe('output cap', () => {
  it('keeps at most outputCapBytes per stream with no host, drops the oldest, and says so', async () => {
    const dir = join(stateDir, 'flood');
    dirs.push(dir);
    const cap = 16 * 1024;
    const server = await launchKept({
      dir,
      file: process.execPath,
      args: [FLOOD, '--lines=20000'],
      cwd: '/',
      env: testEnv(),
      outputCapBytes: cap,
    });
    server.detach();
    await waitDead([server.pid, server.keeperPid]);
    expect(retainedBytes(dir, 'out')).toBeLessThanOrEqual(cap);
    expect(retainedBytes(dir, 'out')).toBeGreaterThan(cap / 2);
    expect(await adoptKept(dir, {})).toMatchObject({ kind: 'exited', exitCode: 0 });
    const lines: string[] = [];
    const dropped: DroppedOutput[] = [];
    replayKeptOutput(dir, {
      onLine: (line) => lines.push(line.text),
      onDropped: (info) => dropped.push(info),
    });
    const printed = Array.from({ length: 20000 }, (_, i) => `line ${i + 1}\n`).join('');
    expect(dropped).toEqual([
      { stream: 'stdout', droppedBytes: printed.length - retainedBytes(dir, 'out') },
    ]);
    // Whole lines after the cut, in order, up to the very last one: the newest bytes are kept.
    const whole = lines.slice(1);
    const first = Number(whole[0]?.slice(5));
    expect(whole).toEqual(Array.from({ length: 20000 - first + 1 }, (_, i) => `line ${first + i}`));
  });

  it('streams a flood live to an attached host without losing or doubling a line', async () => {
    const dir = join(stateDir, 'live');
    dirs.push(dir);
    const lines: string[] = [];
    const server = await launchKept(
      {
        dir,
        file: process.execPath,
        args: [FLOOD, '--lines=50000'],
        cwd: '/',
        env: testEnv(),
        // ~490 KB of output over 256 KiB segments: the keeper moves to new segments while the
        // host reads, but a host that falls behind by less than the cap loses nothing. (A host
        // that falls behind by more loses the oldest segment, told by onDropped: the first test.)
        outputCapBytes: 1024 * 1024,
      },
      { onLine: (line) => lines.push(line.text) },
    );
    expect(await server.exited).toMatchObject({ kind: 'exited', exitCode: 0 });
    expect(lines.length).toBe(50000);
    expect(lines.every((text, i) => text === `line ${i + 1}`)).toBe(true);
  });
});
