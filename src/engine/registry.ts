import { type EngineAddress, parseEngineAddress } from './address.js';
import { EngineClient } from './client.js';
import { EventHub } from './event-hub.js';

/** The client and the events hub of one engine, shared by every instance on it in this host. */
export interface Engine {
  readonly client: EngineClient;
  readonly hub: EventHub;
}

const engines = new Map<string, Engine>();

/**
 * The engine an instance talks to: one per engine address per host process, so a hundred stacks
 * on one engine share one client and one events stream. `env` is the instance's environment
 * merged over the host's. Throws (an Error with a readable message) for an unusable address.
 */
export function engineFor(env: Readonly<Record<string, string | undefined>>): Engine {
  const address: EngineAddress = parseEngineAddress(env);
  let engine = engines.get(address.key);
  if (engine === undefined) {
    const client = new EngineClient(address);
    engine = { client, hub: new EventHub(client) };
    engines.set(address.key, engine);
  }
  return engine;
}
