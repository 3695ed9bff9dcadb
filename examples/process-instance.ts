// `npm run example:process`: the smallest useful ProcessSupervisor. It runs the bundled fake game
// server, waits for its ready line, talks to its console, samples its resources and stops it.
import { fileURLToPath } from 'node:url';
import { ProcessSupervisor } from '../src/index.js';

await using server = new ProcessSupervisor({
  id: 'example-1',
  // A real server would be e.g. '/srv/rust/RustDedicated' or 'java' with args.
  executable: process.execPath,
  args: [fileURLToPath(new URL('./fake-game-server.mjs', import.meta.url))],
  readiness: { pattern: 'Server started', timeoutMs: 30_000 },
  stopCommand: 'quit',
  stopTimeoutMs: 10_000,
});

// Every transition, in order, from any number of independent consumers.
const watching = (async () => {
  for await (const state of server.states()) console.log(`state: ${state.state}`);
})();

await server.start();
console.log(`ready, pid ${server.pid}`);

await server.send('say hello from the example');
const { cpuPercent, memoryBytes, processCount } = await server.stats();
console.log(
  `stats: ${processCount} process(es), ${(memoryBytes / 2 ** 20).toFixed(1)} MiB, ${cpuPercent.toFixed(1)} % CPU`,
);

await server.stop();
// What a panel would replay on connect.
for (const line of server.recentOutput(3)) console.log(`console> ${line.text}`);

// Disposing (also done by `await using` at scope end) ends every iterator, so this returns.
await server[Symbol.asyncDispose]();
await watching;
