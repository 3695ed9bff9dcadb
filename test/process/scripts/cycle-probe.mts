// Run alone: cycles one instance through start/stop, start/kill, crash/restart and stats, and
// prints what the process holds (fds, timers, child handles) after a warm-up and after the rest, so a
// test can prove nothing accumulates per cycle. Usage: cycle-probe.mts <cycles>
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { ProcessSupervisor } from '../../../src/process/index.js';

const cycles = Number(process.argv[2] ?? 20);
const server = new ProcessSupervisor({
  id: 'cycle-probe',
  executable: process.execPath,
  args: [fileURLToPath(new URL('../../fixtures/fake-game-server.mjs', import.meta.url))],
  readiness: { pattern: 'Server started' },
  stopCommand: 'quit',
  restartDelayMs: 0,
});
const reading = (async () => {
  for await (const _ of server.output()) {
    // A live console reader, as a panel would hold.
  }
})();

async function cycle(i: number): Promise<void> {
  await server.start();
  if (i % 4 === 0) await server.stop();
  else if (i % 4 === 1) await server.kill();
  else if (i % 4 === 2) {
    const crash = new Promise((resolve) => server.once('crash', resolve));
    await server.send('crash 3');
    await crash;
    await server.restart();
    await server.stop();
  } else {
    await server.send('say hi');
    await server.stop();
  }
}

function holdings() {
  return {
    fds: readdirSync('/proc/self/fd').length,
    timers: process.getActiveResourcesInfo().filter((r) => /Time/.test(r)).length,
    children: process.getActiveResourcesInfo().filter((r) => r === 'ProcessWrap').length,
  };
}

for (let i = 0; i < 8; i++) await cycle(i);
const warm = holdings();
for (let i = 0; i < cycles; i++) await cycle(i);
const end = holdings();
await server[Symbol.asyncDispose]();
await reading;
console.log(JSON.stringify({ warm, end }));
