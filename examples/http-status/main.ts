// npm run example:http: a status page for two game servers, with Start/Stop buttons and live
// updates over Server-Sent Events. PORT=8080 by default (PORT=0 picks a free one); Ctrl-C quits
// and stops both servers.
import { fileURLToPath } from 'node:url';
import { createSupervisor, Fleet, type SupervisorConfig } from '../../src/index.js';
import { startStatusServer } from './server.js';

const fakeServer = fileURLToPath(new URL('../fake-game-server.mjs', import.meta.url));

// As an app would load them from a JSON or YAML file.
const instances: SupervisorConfig[] = [
  {
    kind: 'process',
    id: 'survival-1',
    executable: process.execPath,
    args: [fakeServer],
    readiness: { pattern: 'Server started', timeoutMs: 10_000 },
    stopCommand: 'quit',
    stopTimeoutMs: 5_000,
  },
  {
    kind: 'process',
    id: 'creative-1',
    executable: process.execPath,
    args: [fakeServer],
    readiness: { pattern: 'Server started' },
    stopCommand: 'quit',
    stopTimeoutMs: 5_000,
  },
];

const fleet = new Fleet();
try {
  for (const config of instances) fleet.add(createSupervisor(config));
  await using server = await startStatusServer({
    fleet,
    port: Number(process.env.PORT ?? 8080),
    title: 'gameward example agent',
  });
  console.log(`Status page: ${server.url}/  (Ctrl-C to quit)`);
  await new Promise((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  console.log('Shutting down');
} catch (error) {
  console.error(error);
  process.exitCode = 1;
} finally {
  await fleet[Symbol.asyncDispose]();
}
