import type { ComposeSite } from '../../compose/site.js';
import type { Engine } from '../../engine/registry.js';
import { GamewardError } from '../../errors.js';
import type { Logger } from '../../logger.js';
import { defaultSshLinks } from '../default-links.js';
import { REMOTE_DOCKER_SOCKET } from '../docker-agent.js';
import type { NormalizedSshConfig } from '../options.js';
import type { LinkStatus } from '../ssh-link.js';
import type { SshLease, SshLinks } from '../ssh-links.js';
import { remoteEngineFor } from './remote-engine.js';
import { RemoteComposeRunner } from './remote-runner.js';

/** What a remote site needs of the stack's config. */
export interface RemoteStackConfig {
  readonly id: string;
  readonly cwd: string;
  readonly docker: string;
  readonly env?: Readonly<Record<string, string>> | undefined;
}

/**
 * The engine socket on the remote host: `env.DOCKER_HOST` when it is `unix://...`, else the
 * default one. Anything else cannot be reached through the host (it would be a third machine).
 */
export function remoteSocketPath(config: RemoteStackConfig): string {
  const host = config.env?.DOCKER_HOST;
  if (host === undefined || host === '') return REMOTE_DOCKER_SOCKET;
  if (host.startsWith('unix:///')) return host.slice('unix://'.length);
  throw new GamewardError(
    'ERR_INVALID_CONFIG',
    `expected \`env.DOCKER_HOST\` to be unix:///<path> (a socket on the remote host) with \`host\`, got ${JSON.stringify(host)}`,
    { instanceId: config.id },
  );
}

/**
 * A stack on a remote host: its engine's API and its compose commands both go through the
 * host's one SSH link, leased on first use (constructing an instance connects nothing) and
 * released by {@link release}. While the link is down the stack keeps its last state; the link's
 * return re-opens the engine's events stream, whose resync reports what happened meanwhile.
 */
export class RemoteComposeSite implements ComposeSite {
  readonly engine: Engine;
  readonly runner: RemoteComposeRunner;
  readonly #ssh: NormalizedSshConfig;
  readonly #links: SshLinks;
  readonly #logger: Logger;
  readonly #id: string;
  readonly #socket: string;
  #lease: SshLease | undefined;
  #released = false;
  #listener: ((status: LinkStatus) => void) | undefined;

  constructor(
    config: RemoteStackConfig,
    ssh: NormalizedSshConfig,
    logger: Logger,
    links: SshLinks = defaultSshLinks(),
  ) {
    this.#ssh = ssh;
    this.#links = links;
    this.#logger = logger;
    this.#id = config.id;
    this.#socket = remoteSocketPath(config);
    const site = this;
    // Read at each call, so nothing connects before the first one.
    this.engine = {
      get client() {
        return site.#engine().client;
      },
      get hub() {
        return site.#engine().hub;
      },
    };
    this.runner = new RemoteComposeRunner({
      instanceId: config.id,
      cwd: config.cwd,
      docker: config.docker,
      env: config.env ?? {},
      engineDisplay: `unix://${this.#socket} on ${ssh.key}`,
      where: ` on ${ssh.key}`,
      link: () => this.#link(),
    });
  }

  /** The SSH link's state once leased (see docs/remote.md), undefined before the first use. */
  get link(): LinkStatus | undefined {
    return this.#lease?.link.status;
  }

  onLink(listener: (status: LinkStatus) => void): void {
    this.#listener = listener;
  }

  async release(): Promise<void> {
    if (this.#released) return;
    this.#released = true;
    const lease = this.#lease;
    this.#lease = undefined;
    lease?.link.off('status', this.#onStatus);
    await lease?.release();
  }

  #link() {
    if (this.#released) {
      throw new GamewardError('ERR_DISPOSED', 'has been released', { instanceId: this.#id });
    }
    if (this.#lease === undefined) {
      this.#lease = this.#links.acquire(this.#ssh);
      this.#lease.link.on('status', this.#onStatus);
    }
    return this.#lease.link;
  }

  #engine(): Engine {
    return remoteEngineFor(this.#link(), this.#socket);
  }

  readonly #onStatus = (next: LinkStatus, previous: LinkStatus): void => {
    if (next.state === 'down' && previous.state === 'up') {
      this.#logger.warn(
        { instanceId: this.#id, link: this.#ssh.key, reason: next.reason },
        'ssh link down: keeping the last state',
      );
    } else if (
      next.state === 'up' &&
      previous.state === 'down' &&
      previous.reason !== 'connecting'
    ) {
      this.#logger.info({ instanceId: this.#id, link: this.#ssh.key }, 'ssh link up: re-syncing');
    }
    this.#listener?.(next);
  };
}
