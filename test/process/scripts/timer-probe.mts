// Run alone (nothing else in the process): proves a running instance holds no timer, so exit
// detection cannot be a poll. Prints one JSON line of the active resources at each point.
import { fileURLToPath } from 'node:url';
import { ProcessSupervisor } from '../../../src/process/index.js';

const timers = (): string[] => process.getActiveResourcesInfo().filter((r) => /Time/.test(r));
const server = new ProcessSupervisor({
  id: 'timer-probe',
  executable: process.execPath,
  args: [fileURLToPath(new URL('../../fixtures/fake-game-server.mjs', import.meta.url))],
  readiness: { pattern: 'Server started' },
  stopCommand: 'quit',
});
const before = timers();
await server.start();
await server.send('say hi');
await new Promise<void>((resolve) =>
  server.on('output', (l) => l.text.includes('hi') && resolve()),
);
const running = timers();
const crashed = new Promise((resolve) => server.once('crash', resolve));
process.kill(server.pid as number, 'SIGKILL');
await server.waitFor('crashed');
const atCrash = timers();
await crashed;
const afterCrash = timers();
await server[Symbol.asyncDispose]();
console.log(JSON.stringify({ before, running, atCrash, afterCrash, after: timers() }));
