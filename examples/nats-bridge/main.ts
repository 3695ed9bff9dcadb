// npm run example:nats: a fleet served over NATS, and a "panel" that drives it by request/reply.
//
// Without NATS_URL it starts its own nats-server on 127.0.0.1 (Debian: apt install nats-server).
// By default it runs a short scripted tour and exits; with --serve it keeps serving until Ctrl-C:
//   nats req gameward.example.survival-1.cmd '{"action":"start"}'

import { fileURLToPath } from 'node:url';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { createSupervisor, Fleet } from '../../src/index.js';
import { startNatsBridge } from './bridge.js';
import { type LocalNatsServer, startLocalNatsServer } from './local-nats-server.js';

const AGENT = 'example';
const fakeServer = fileURLToPath(new URL('../fake-game-server.mjs', import.meta.url));
const serveMode = process.argv.includes('--serve');

function printMessages(nc: NatsConnection): void {
  nc.subscribe(`gameward.${AGENT}.>`, {
    callback: (_error, msg) => {
      if (!msg.subject.endsWith('.cmd')) console.log(`  <- ${msg.subject} ${msg.string()}`);
    },
  });
}

async function command(nc: NatsConnection, instance: string, payload: string): Promise<void> {
  const subject = `gameward.${AGENT}.${instance}.cmd`;
  console.log(`-> ${subject} ${payload}`);
  const reply = await nc.request(subject, payload, { timeout: 30_000 });
  console.log(`<- reply ${reply.string()}`);
}

/** Resolves once a heartbeat reports `instance` in `state`. */
function heartbeatShows(nc: NatsConnection, instance: string, state: string): Promise<void> {
  return new Promise((resolve) => {
    const sub = nc.subscribe(`gameward.${AGENT}.heartbeat`, {
      callback: (_error, msg) => {
        const beat = msg.json<{ instances: { instance_id: string; state: string }[] }>();
        if (beat.instances.some((i) => i.instance_id === instance && i.state === state)) {
          sub.unsubscribe();
          resolve();
        }
      },
    });
  });
}

async function tour(panel: NatsConnection): Promise<void> {
  await command(panel, 'survival-1', '{"action":"start"}');
  await heartbeatShows(panel, 'survival-1', 'running');
  await command(panel, 'survival-1', '{"action":"dance"}');
  await command(panel, 'survival-1', 'this is not json');
  await command(panel, 'nobody', '{"action":"start"}');
  await command(panel, 'survival-1', '{"action":"restart"}');
  await command(panel, 'survival-1', '{"action":"stop"}');
}

let natsServer: LocalNatsServer | undefined;
const fleet = new Fleet();
let agent: NatsConnection | undefined;
let panel: NatsConnection | undefined;
try {
  if (process.env.NATS_URL === undefined) {
    natsServer = await startLocalNatsServer();
    console.log(`Started nats-server at ${natsServer.url}`);
  }
  const servers = process.env.NATS_URL ?? (natsServer as LocalNatsServer).url;
  fleet.add(
    createSupervisor({
      kind: 'process',
      id: 'survival-1',
      executable: process.execPath,
      args: [fakeServer],
      readiness: { pattern: 'Server started', timeoutMs: 10_000 },
      stopCommand: 'quit',
      stopTimeoutMs: 5_000,
      restartDelayMs: 500,
    }),
  );
  agent = await connect({ servers, name: 'gameward-agent' });
  panel = await connect({ servers, name: 'panel' });
  printMessages(panel);
  await panel.flush();
  await using _bridge = await startNatsBridge({
    nc: agent,
    agent: AGENT,
    fleet,
    heartbeatMs: 1000,
  });
  if (serveMode) {
    console.log(`Serving gameward.${AGENT}.* on ${servers}; Ctrl-C to stop.`);
    await new Promise((resolve) => {
      process.once('SIGINT', resolve);
      process.once('SIGTERM', resolve);
    });
  } else {
    await tour(panel);
  }
} catch (error) {
  console.error(error);
  process.exitCode = 1;
} finally {
  await fleet[Symbol.asyncDispose]();
  await panel?.close();
  await agent?.close();
  await natsServer?.stop();
}
