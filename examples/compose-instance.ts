// `npm run example:compose`: a docker-compose stack as one instance. It brings the stack up,
// waits for the game server's ready line in its logs, shows the console and the stack's
// resources, then stops it. Needs Docker with Compose v2 (scripts/setup-docker-engine.sh).
import { fileURLToPath } from 'node:url';
import { ComposeSupervisor } from '../src/index.js';

await using stack = new ComposeSupervisor({
  // Also the compose project name.
  id: process.env.GAMEWARD_EXAMPLE_ID ?? 'compose-example',
  cwd: fileURLToPath(new URL('./compose/', import.meta.url)),
  // The state follows the game server; `db` is a companion that does not count.
  services: ['server'],
  readiness: { pattern: 'Server started', timeoutMs: 60_000 },
  stopTimeoutMs: 5000,
  // Stop with `compose down`: nothing of the example is left behind.
  removeOnStop: true,
});

const watching = (async () => {
  for await (const state of stack.states()) console.log(`state: ${state.state}`);
})();
stack.on('output', (line) => console.log(`[${line.service}] ${line.text}`));
stack.on('crash', ({ exitCode }) => console.log(`crashed with exit code ${exitCode}`));

await stack.start();
const { cpuPercent, memoryBytes, processCount } = await stack.stats();
console.log(
  `stats: ${processCount} container(s), ${(memoryBytes / 2 ** 20).toFixed(1)} MiB, ${cpuPercent.toFixed(1)} % CPU`,
);

await stack.stop();
// What a panel would replay on connect.
for (const line of stack.recentOutput(3)) console.log(`console> ${line.text}`);

// Disposing (also done by `await using` at scope end) ends every iterator, so this returns.
await stack[Symbol.asyncDispose]();
await watching;
