// `npm run demo`: supervise a bundled fake game server through a scripted tour
// (start → running → console → crash → automatic restart → restart → stop) and print every state
// transition with a timestamp, and every console line.
import { fileURLToPath } from 'node:url';
import { type InstanceState, ProcessSupervisor } from '../src/index.js';

const stamp = (): string => new Date().toISOString();
const show = (state: InstanceState): string =>
  state.state === 'crashed'
    ? `crashed (${state.signal ?? `exit code ${state.exitCode ?? '?'}`})`
    : state.state;

const server = new ProcessSupervisor({
  id: 'demo-server',
  executable: process.execPath,
  args: [fileURLToPath(new URL('./fake-game-server.mjs', import.meta.url))],
  // Running only once the server says so, not when the process merely exists.
  readiness: { pattern: /Server started on port \d+/, timeoutMs: 10_000 },
  // Asked politely through its console first, then SIGTERM, then SIGKILL.
  stopCommand: 'quit',
  stopTimeoutMs: 5000,
  restartDelayMs: 500,
  autoRestart: { enabled: true, initialDelayMs: 500, maxRestarts: 3 },
});

server.on('state', (next, previous) =>
  console.log(`${stamp()} STATE   ${previous.state} -> ${show(next)}`),
);
server.on('output', (line) =>
  console.log(`${stamp()} ${line.stream === 'stderr' ? 'STDERR' : 'STDOUT'}  | ${line.text}`),
);
server.on('crash', (crash) =>
  console.log(
    `${stamp()} CRASH   exit code ${crash.exitCode}, up ${crash.uptimeSeconds} s, last line: ${crash.lastLines.at(-1)?.text}`,
  ),
);
server.on('restartScheduled', ({ attempt, delayMs }) =>
  console.log(`${stamp()} POLICY  automatic restart #${attempt} in ${delayMs} ms`),
);

/** Resolves on the next console line containing `text`. */
function lineContaining(text: string): Promise<void> {
  return new Promise((resolve) => {
    const listener = (line: { text: string }): void => {
      if (!line.text.includes(text)) return;
      server.off('output', listener);
      resolve();
    };
    server.on('output', listener);
  });
}

const step = (what: string): void => console.log(`${stamp()} DEMO    ${what}`);

try {
  step('start()');
  await server.start();
  step(`running as pid ${server.pid}; sending console commands`);
  const answered = lineContaining('players online');
  await server.send('say Welcome to the gameward demo');
  await server.send('players');
  await answered;

  step('making the server crash: send("crash 3")');
  await server.send('crash 3');
  await server.waitFor('crashed');
  step('the crash policy brings it back');
  await server.waitFor('running');

  step('restart()');
  await server.restart();
  step('stop()');
  await server.stop();
  step(
    `done: ${show(server.state)}, ${server.recentOutput().length} console lines kept for replay`,
  );
} finally {
  await server[Symbol.asyncDispose]();
}
