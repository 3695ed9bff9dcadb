// A Docker Swarm stack as one instance, its replicas on both nodes of the two-node swarm
// (run scripts/setup-swarm.sh as root first). It deploys the stack, waits until every replica
// runs and one printed its ready line, shows the console with each line's service and replica,
// then stops it: every replica saves the world, and no task is left on either node.
import { fileURLToPath } from 'node:url';
import { SwarmSupervisor } from '../src/swarm/index.js';

const folder = fileURLToPath(new URL('./swarm/', import.meta.url));

await using stack = new SwarmSupervisor({
  id: process.env.GAMEWARD_EXAMPLE_ID ?? 'swarm-example',
  cwd: folder,
  files: ['stack.yaml'],
  stackName: process.env.GAMEWARD_EXAMPLE_STACK ?? 'gwexample',
  // Variables the stack file interpolates (and DOCKER_HOST, to name another manager).
  env: { GW_EXAMPLE_DIR: folder },
  readiness: { pattern: 'Server started', timeoutMs: 60_000 },
  // Above the file's stop_grace_period (10 s) plus swarm's 2 s before each SIGTERM.
  stopTimeoutMs: 15_000,
});

const watching = (async () => {
  for await (const state of stack.states()) console.log(`state: ${state.state}`);
})();
stack.on('output', (line) => console.log(`[${line.service}.${line.task}] ${line.text}`));
stack.on('crash', ({ exitCode }) => console.log(`crashed with exit code ${exitCode}`));

await stack.start();
const { processCount, memoryBytes } = await stack.stats();
console.log(
  `stats: ${processCount} replica(s) up; ${(memoryBytes / 2 ** 20).toFixed(1)} MiB on the manager's node`,
);
await stack
  .send('say hello')
  .catch((error: { code: string }) => console.log(`send: ${error.code}`));

await stack.stop();
await stack.close();
await watching;
