import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const root = fileURLToPath(new URL('../..', import.meta.url));

/** Runs an npm script of this package; resolves with its output, rejects on a non-zero exit. */
async function npmRun(script: string): Promise<string> {
  const { stdout } = await run('npm', ['run', '--silent', script], {
    cwd: root,
    timeout: 60_000,
    env: { ...process.env, NO_COLOR: '1' },
  });
  return stdout;
}

/** The `from -> to` transitions the demo printed, in order. */
function transitions(output: string): string[] {
  return [...output.matchAll(/^\d{4}-\d\d-\d\dT[\d:.]+Z STATE\s+(.+)$/gm)].map(
    (m) => m[1] as string,
  );
}

describe('examples', () => {
  it('npm run demo: start → running → crash → automatic restart → restart → stop, exit 0', async () => {
    const output = await npmRun('demo');
    expect(transitions(output)).toEqual([
      'stopped -> starting',
      'starting -> running',
      'running -> crashed (exit code 3)',
      'crashed -> starting',
      'starting -> running',
      'running -> stopping',
      'stopping -> stopped',
      'stopped -> starting',
      'starting -> running',
      'running -> stopping',
      'stopping -> stopped',
    ]);
    // The console both ways, and the crash details.
    expect(output).toMatch(/STDOUT {2}\| .*\[Server\] Welcome to the gameward demo/);
    expect(output).toContain('There are 2 of 64 players online');
    expect(output).toMatch(/CRASH\s+exit code 3, .*segmentation fault/);
    expect(output).toMatch(/POLICY\s+automatic restart #1 in 500 ms/);
    expect(output).toContain('World saved. Goodbye.');
  });

  it('npm run example:process runs to completion', async () => {
    const output = await npmRun('example:process');
    expect(output).toMatch(/state: stopped\nstate: starting\nstate: running\nready, pid \d+/);
    expect(output).toMatch(/stats: 1 process\(es\), [\d.]+ MiB/);
    expect(output).toContain('console> ');
    expect(
      output
        .trim()
        .split('\n')
        .filter((l) => l.startsWith('state:'))
        .at(-1),
    ).toBe('state: stopped');
  });
});
