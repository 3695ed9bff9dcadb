#!/usr/bin/env node
// A pretend dedicated game server for the demo: it boots, prints a ready line, takes console
// commands on stdin and can be told to crash.
//   say <text>   broadcast a chat message
//   players      list the players online
//   save         save the world
//   crash <code> die at once with that exit code
//   quit | stop  save and shut down cleanly
import { createInterface } from 'node:readline';

const log = (text) => process.stdout.write(`[${new Date().toISOString().slice(11, 19)}] ${text}\n`);
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const keepAlive = setInterval(() => {}, 1 << 30);

let stopping = false;
async function shutdown() {
  if (stopping) return;
  stopping = true;
  log('Saving world...');
  await sleep(150);
  log('World saved. Goodbye.');
  clearInterval(keepAlive);
  process.exit(0);
}

process.on('SIGTERM', () => {
  log('SIGTERM received');
  void shutdown();
});

createInterface({ input: process.stdin }).on('line', (line) => {
  const [command = '', ...rest] = line.trim().split(/\s+/);
  const arg = rest.join(' ');
  switch (command) {
    case 'say':
      log(`[Server] ${arg}`);
      break;
    case 'players':
      log('There are 2 of 64 players online: alice, bob');
      break;
    case 'save':
      log('World saved.');
      break;
    case 'crash':
      process.stderr.write(`FATAL: segmentation fault in physics thread (exit ${arg})\n`);
      process.exit(Number(arg) || 1);
      break;
    case 'quit':
    case 'stop':
      void shutdown();
      break;
    default:
      log(`Unknown command "${command}"`);
  }
});

log(`Fake game server starting (pid ${process.pid})`);
for (const step of ['Loading config', 'Loading map "procedural 4000"', 'Spawning entities']) {
  await sleep(80);
  log(step);
}
log('\u001b[32mServer started on port 27015\u001b[0m');
