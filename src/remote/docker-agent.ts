import { Agent, type AgentOptions, type ClientRequestArgs } from 'node:http';
import type { Duplex } from 'node:stream';
import type { SshLink } from './ssh-link.js';

/** The remote Docker engine's socket, as on most hosts. */
export const REMOTE_DOCKER_SOCKET = '/var/run/docker.sock';

/**
 * An `http.Agent` whose connections are the remote host's Docker socket, reached through the
 * host's one SSH link (OpenSSH direct-streamlocal): give it to dockerode as
 * `new Docker({ agent, socketPath: undefined, protocol: 'http', host: 'docker' })`, so the
 * Engine API (events, logs, inspect) of a remote host shares the connection its instances use,
 * with no `DOCKER_HOST=ssh://` (a new SSH connection and `docker system dial-stdio` per request).
 */
export class RemoteDockerAgent extends Agent {
  readonly #link: SshLink;
  readonly #socketPath: string;

  constructor(link: SshLink, socketPath = REMOTE_DOCKER_SOCKET, options: AgentOptions = {}) {
    super({ keepAlive: true, ...options });
    this.#link = link;
    this.#socketPath = socketPath;
  }

  // The callback form: Node's agent waits for the socket instead of taking one at once.
  override createConnection(
    options: ClientRequestArgs,
    callback?: (error: Error | null, socket: Duplex) => void,
  ): Duplex | undefined {
    this.#link.openUnixSocket(this.#socketPath).then(
      (socket) => {
        // http expects these on a socket; a channel has none of them.
        const extra = socket as Duplex & Record<string, unknown>;
        extra.setTimeout ??= () => socket;
        extra.setNoDelay ??= () => socket;
        extra.setKeepAlive ??= () => socket;
        extra.ref ??= () => socket;
        extra.unref ??= () => socket;
        // A channel the lost link closed stays `writable` and not `destroyed`: the agent would
        // keep it among its free sockets and hand it to the next request, which then waits
        // forever (not even its abort ends it). Forget it here, before the agent's own listener.
        socket.once('close', () => this.#forget(socket, options));
        callback?.(null, socket);
      },
      (error: Error) => callback?.(error, undefined as unknown as Duplex),
    );
    return undefined;
  }

  #forget(socket: Duplex, options: ClientRequestArgs): void {
    const free = this.freeSockets as Record<string, Duplex[] | undefined>;
    const name = this.getName(options as Parameters<Agent['getName']>[0]);
    const list = free[name];
    const at = list?.indexOf(socket) ?? -1;
    if (list === undefined || at === -1) return;
    list.splice(at, 1);
    if (list.length === 0) delete free[name];
  }
}
