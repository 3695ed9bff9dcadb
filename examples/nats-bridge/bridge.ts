import type { Msg, NatsConnection } from '@nats-io/transport-node';
import { type Fleet, GamewardError, type Logger, silentLogger } from '../../src/index.js';
import {
  type CommandReply,
  errorReply,
  heartbeat,
  okReply,
  stateEvent,
  subjects,
} from './payloads.js';

/** Options of {@link startNatsBridge}. */
export interface NatsBridgeOptions {
  /** A connection the app opened and still owns: the bridge never closes it. */
  nc: NatsConnection;
  /** This agent's name, one subject token (`host-1`). */
  agent: string;
  /** The instances to serve. The bridge never disposes the fleet. */
  fleet: Fleet;
  /** Time between heartbeats (the first goes out at once). */
  heartbeatMs: number;
  logger?: Logger;
}

/** A running bridge. */
export interface NatsBridge extends AsyncDisposable {
  /**
   * Stops serving: no more commands are taken, commands under way still get their reply, the
   * heartbeat timer and the state subscription end. Idempotent; leaves the connection open.
   */
  close(): Promise<void>;
}

const TOKEN = /^[A-Za-z0-9_-]+$/;
const MAX_SHOWN = 80;

function invalid(message: string): GamewardError {
  return new GamewardError('ERR_INVALID_ARGUMENT', message);
}

/**
 * Serves a fleet over NATS, the way the Rust agent did:
 * - every state change of every instance is published on `gameward.<agent>.<instance>.state`;
 * - commands are served by request/reply on `gameward.<agent>.<instance>.cmd`
 *   (`{"action":"restart"}` → `{"ok":true,"state":{...}}` or `{"ok":false,"error":{...}}`);
 * - a heartbeat with every instance's state and uptime goes to `gameward.<agent>.heartbeat`.
 * Nothing a client sends can crash it: every bad payload gets an error reply. Resolves once the
 * server has registered the command subscription, so a request sent after it is served.
 */
export async function startNatsBridge(options: NatsBridgeOptions): Promise<NatsBridge> {
  const { nc, agent, fleet, heartbeatMs } = options;
  const logger = options.logger ?? silentLogger;
  if (typeof agent !== 'string' || !TOKEN.test(agent)) {
    throw invalid(`Expected \`agent\` to be one NATS subject token, got ${JSON.stringify(agent)}`);
  }
  if (!Number.isInteger(heartbeatMs) || heartbeatMs <= 0) {
    throw invalid(`Expected \`heartbeatMs\` to be a positive integer, got ${String(heartbeatMs)}`);
  }

  const publish = (subject: string, payload: unknown): void => {
    try {
      nc.publish(subject, JSON.stringify(payload));
    } catch (error) {
      // A closed or draining connection: the app is shutting down; nothing to deliver to.
      logger.warn({ subject, err: error }, 'nats publish failed');
    }
  };

  const serve = async (msg: Msg): Promise<void> => {
    const instanceId = msg.subject.split('.')[2] ?? '';
    if (msg.reply === undefined || msg.reply === '') {
      logger.warn({ subject: msg.subject }, 'command without a reply subject ignored');
      return;
    }
    let reply: CommandReply;
    try {
      const state = await fleet.dispatch(toCommand(instanceId, msg));
      reply = okReply(state);
    } catch (error) {
      reply = errorReply(error);
    }
    msg.respond(JSON.stringify(reply));
  };

  const inFlight = new Set<Promise<void>>();
  const commands = nc.subscribe(subjects.commands(agent), {
    callback: (error, msg) => {
      if (error !== null) {
        logger.error({ err: error }, 'command subscription failed');
        return;
      }
      const task = serve(msg).catch((e: unknown) => logger.error({ err: e }, 'command failed'));
      inFlight.add(task);
      void task.finally(() => inFlight.delete(task));
    },
  });

  // A round trip after SUB: the server has the subscription before anyone is told we serve.
  try {
    await nc.flush();
  } catch (error) {
    commands.unsubscribe();
    throw error;
  }

  const controller = new AbortController();
  const pump = (async () => {
    for await (const { instanceId, state } of fleet.states({ signal: controller.signal })) {
      publish(subjects.state(agent, instanceId), stateEvent(agent, instanceId, state));
    }
  })().catch((error: unknown) => logger.error({ err: error }, 'state publisher failed'));

  const beat = (): void => publish(subjects.heartbeat(agent), heartbeat(agent, fleet.snapshot()));
  beat();
  const timer = setInterval(beat, heartbeatMs);

  let closing: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closing ??= (async () => {
      clearInterval(timer);
      controller.abort();
      if (!commands.isClosed()) commands.unsubscribe();
      await Promise.all([pump, ...inFlight]);
    })();
    return closing;
  };
  return { close, [Symbol.asyncDispose]: close };
}

/** Decodes a command payload; the instance comes from the subject, never from the payload. */
function toCommand(instanceId: string, msg: Msg): unknown {
  let payload: unknown;
  try {
    payload = JSON.parse(msg.string());
  } catch (error) {
    throw new GamewardError(
      'ERR_INVALID_ARGUMENT',
      `Instance ${JSON.stringify(instanceId)}: the command payload is not JSON (expected {"action":"start"}), got ${shorten(msg.data)}`,
      { instanceId, cause: error },
    );
  }
  if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) {
    throw new GamewardError(
      'ERR_INVALID_ARGUMENT',
      `Instance ${JSON.stringify(instanceId)}: expected the command payload to be an object such as {"action":"start"}, got ${shorten(msg.data)}`,
      { instanceId },
    );
  }
  if (Object.hasOwn(payload, 'instanceId')) {
    throw new GamewardError(
      'ERR_INVALID_ARGUMENT',
      `Instance ${JSON.stringify(instanceId)}: the command payload must not name an instance (the subject does), got ${shorten(msg.data)}`,
      { instanceId },
    );
  }
  return { ...payload, instanceId };
}

function shorten(data: Uint8Array): string {
  const text = Buffer.from(data).toString('utf8');
  return JSON.stringify(text.length > MAX_SHOWN ? `${text.slice(0, MAX_SHOWN)}...` : text);
}
