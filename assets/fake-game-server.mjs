#!/usr/bin/env node
// gameward's fake game server: a tiny dedicated server for your own tests, with no game behind
// it. Find it with `import { fakeGameServer } from 'gameward/testing'` and run it with node.
//
// Flags:
//   --name=TEXT          the server's name, in its boot line (default "fake")
//   --port=N             also listen on TCP 127.0.0.1:N (0: any free port); the port is printed
//   --boot-lines=N       "Loading world chunk i" lines before the ready line (default 3)
//   --boot-ms=N          wait before the ready line (default 0)
//   --ready=TEXT         the ready line (default "Server started")
//   --no-ready           never print the ready line
//   --ansi               colour the ready line
//   --tick-ms=N          print "tick <n>" every N ms
//   --exit-after-ms=N    exit on its own after N ms, with --exit-code (default 1)
//   --exit-at-boot=CODE  exit right after the boot lines
//   --ignore-term        ignore SIGTERM/SIGINT/SIGHUP (it says it received them)
//   --quit-ms=N          how long saving takes on quit (default 0)
//   --pidfile=PATH       append its pid to PATH
// Console commands (stdin): quit | stop (save, exit 0), crash N (exit N), say TEXT, spam N, pid.
import { appendFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { createInterface } from 'node:readline';

const flags = new Map(
  process.argv.slice(2).map((arg) => {
    const [key, ...rest] = arg.replace(/^--/, '').split('=');
    return [key, rest.length > 0 ? rest.join('=') : 'true'];
  }),
);
const num = (key, fallback) => (flags.has(key) ? Number(flags.get(key)) : fallback);
const say = (text) => process.stdout.write(`${text}\n`);

if (flags.has('pidfile')) appendFileSync(flags.get('pidfile'), `${process.pid}\n`);
// Keeps the process alive whatever happens to stdin.
const keepAlive = setInterval(() => {}, 1 << 30);

let quitting = false;
function quit(code) {
  if (quitting) return;
  quitting = true;
  say('Saving world...');
  setTimeout(
    () => {
      say('Goodbye');
      clearInterval(keepAlive);
      process.exit(code);
    },
    num('quit-ms', 0),
  );
}

// Says which signal came, so a test can tell the configured stop signal from the default.
for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP']) {
  process.on(signal, () => {
    say(`Received ${signal}`);
    if (!flags.has('ignore-term')) quit(0);
  });
}

if (flags.has('name')) say(`Starting ${flags.get('name')}`);
for (let i = 1; i <= num('boot-lines', 3); i++) say(`Loading world chunk ${i}`);
if (flags.has('exit-at-boot')) process.exit(num('exit-at-boot', 1));
if (flags.has('port')) {
  const server = createServer((socket) => socket.end(`${flags.get('name') ?? 'fake'}\n`));
  server.listen(num('port', 0), '127.0.0.1', () =>
    say(`Listening on 127.0.0.1:${server.address().port}`),
  );
  server.unref();
}
setTimeout(
  () => {
    if (flags.has('no-ready')) return;
    const ready = flags.get('ready') ?? 'Server started';
    say(flags.has('ansi') ? `\u001b[32m${ready}\u001b[0m` : ready);
  },
  num('boot-ms', 0),
);
if (flags.has('tick-ms')) {
  let tick = 0;
  setInterval(() => say(`tick ${++tick}`), num('tick-ms', 1000));
}
if (flags.has('exit-after-ms')) {
  setTimeout(
    () => {
      process.stderr.write(`Fatal error: exiting with code ${num('exit-code', 1)}\n`);
      process.exit(num('exit-code', 1));
    },
    num('exit-after-ms', 0),
  );
}

createInterface({ input: process.stdin }).on('line', (line) => {
  const [command, ...rest] = line.trim().split(' ');
  const arg = rest.join(' ');
  if (command === 'quit' || command === 'stop') quit(0);
  else if (command === 'crash') {
    process.stderr.write(`Fatal error: crashing with code ${arg}\n`);
    process.exit(Number(arg));
  } else if (command === 'say') say(`[Server] ${arg}`);
  else if (command === 'spam') for (let i = 1; i <= Number(arg); i++) say(`spam ${i}`);
  else if (command === 'pid') say(`pid ${process.pid}`);
  else say(`Unknown command: ${line}`);
});
