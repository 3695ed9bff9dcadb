// From the ready line being written (the server stamps it with the monotonic clock) to `running`,
// against a raw pipe read that splits lines and matches the same pattern.
import { ProcessSupervisor } from '../../src/index.js';
import { interleave, monoNs, rawSpawn, runScenario, SERVER } from '../lib/scenario.js';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 30);
const NODE = process.execPath;

/** Milliseconds from the stamp in `line` ("READY <ns>") to `at`. */
function since(line: string, at: bigint): number {
  const stamp = /READY (\d+)/.exec(line)?.[1];
  if (stamp === undefined) throw new Error(`no stamp in ${JSON.stringify(line)}`);
  return Number(at - BigInt(stamp)) / 1e6;
}

runScenario(async () => {
  const supervisor = new ProcessSupervisor({
    id: 'bench-ready',
    executable: NODE,
    args: [SERVER],
    readiness: { pattern: /^READY \d+$/ },
  });
  try {
    return await interleave(ROUNDS, {
      'child_process (raw)': async () => {
        const child = rawSpawn(NODE, [SERVER]);
        const latency = await new Promise<number>((resolve) => {
          let carry = '';
          child.stdout?.setEncoding('utf8');
          child.stdout?.on('data', (chunk: string) => {
            const lines = (carry + chunk).split('\n');
            carry = lines.pop() ?? '';
            const ready = lines.find((l) => /^READY \d+$/.test(l));
            if (ready !== undefined) resolve(since(ready, monoNs()));
          });
        });
        child.kill('SIGKILL');
        return latency;
      },
      gameward: async () => {
        let at = 0n;
        const onState = (next: { state: string }): void => {
          if (next.state === 'running') at = monoNs();
        };
        supervisor.on('state', onState);
        await supervisor.start();
        supervisor.off('state', onState);
        const ready = supervisor.recentOutput().findLast((l) => l.text.startsWith('READY '));
        await supervisor.kill();
        if (ready === undefined) throw new Error('ready line not captured');
        return since(ready.text, at);
      },
    });
  } finally {
    await supervisor[Symbol.asyncDispose]();
  }
});
