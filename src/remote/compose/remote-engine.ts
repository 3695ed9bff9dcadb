import { EngineClient } from '../../engine/client.js';
import { EventHub } from '../../engine/event-hub.js';
import type { Engine } from '../../engine/registry.js';
import { RemoteDockerAgent } from '../docker-agent.js';
import type { SshLink } from '../ssh-link.js';

/** Idle Engine API channels kept open per remote engine (as for a local one). */
const MAX_FREE_CHANNELS = 4;

// One engine per socket per link: every compose instance of a remote host shares its client and
// its one events stream. Keyed by the link object, so a link closed and made again starts afresh.
const engines = new WeakMap<SshLink, Map<string, Engine>>();

/**
 * The Engine API of a remote host's engine at `socketPath`, reached through the host's SSH link
 * (each HTTP connection is a direct-streamlocal channel: no `docker system dial-stdio`, no new
 * connection per request). When the link comes back up, the events stream is re-opened at once
 * instead of after its backoff, and its resync reports what happened during the outage.
 */
export function remoteEngineFor(link: SshLink, socketPath: string): Engine {
  let bySocket = engines.get(link);
  if (bySocket === undefined) {
    bySocket = new Map();
    engines.set(link, bySocket);
  }
  let engine = bySocket.get(socketPath);
  if (engine === undefined) {
    const agent = new RemoteDockerAgent(link, socketPath, { maxFreeSockets: MAX_FREE_CHANNELS });
    const client = new EngineClient(
      {
        key: `ssh-link://${link.key}${socketPath}`,
        display: `unix://${socketPath} on ${link.key}`,
        // docker-modem needs a host and port to build URLs; the agent makes the connections.
        modem: { protocol: 'http', host: 'docker', port: 80, socketPath: undefined },
      },
      agent,
    );
    const hub = new EventHub(client);
    link.on('status', (next) => {
      if (next.state === 'up') hub.retryNow();
    });
    engine = { client, hub };
    bySocket.set(socketPath, engine);
  }
  return engine;
}
