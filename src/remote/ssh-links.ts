import { ConfigValidator } from '../config/validate.js';
import { GamewardError } from '../errors.js';
import { type Logger, safeLogger } from '../logger.js';
import type { NormalizedSshConfig, Source } from './options.js';
import type { Secret } from './secret.js';
import { type LinkOptions, SshLink } from './ssh-link.js';

/** Options of {@link SshLinks}: tuning shared by all its links. */
export interface SshLinksOptions {
  logger?: Logger | undefined;
  /** Bounds TCP connect, handshake and auth (default 10000 ms). */
  connectTimeoutMs?: number | undefined;
  /** SSH keepalive period (default 5000 ms); 0 turns keepalives off. */
  keepaliveIntervalMs?: number | undefined;
  /** Unanswered keepalives before the link counts as lost (default 3). */
  keepaliveCountMax?: number | undefined;
  /** First reconnect delay (default 250 ms); each next one doubles, with ±20 % jitter. */
  backoffInitialMs?: number | undefined;
  /** Cap on the reconnect delay (default 30000 ms). */
  backoffMaxMs?: number | undefined;
  /** Session channels open at once per link (default 10, sshd's `MaxSessions` default). */
  maxSessions?: number | undefined;
  /** How long a call waits for a down link that is retrying (default 10000 ms). */
  linkWaitMs?: number | undefined;
}

/** A hold on a shared link; the link closes when its last lease is released. */
export interface SshLease {
  readonly link: SshLink;
  /** Idempotent. Resolves once the link is closed, when this was its last lease. */
  release(): Promise<void>;
}

const OPTION_KEYS = [
  'logger',
  'connectTimeoutMs',
  'keepaliveIntervalMs',
  'keepaliveCountMax',
  'backoffInitialMs',
  'backoffMaxMs',
  'maxSessions',
  'linkWaitMs',
];

/**
 * Keeps ONE {@link SshLink} per `user@host:port`, shared by every instance on that host and
 * reference-counted by {@link acquire}/{@link SshLease.release}.
 */
export class SshLinks {
  readonly #links = new Map<string, { link: SshLink; leases: number }>();
  readonly #options: LinkOptions;
  readonly #logger: Logger;
  #closed = false;

  constructor(options: SshLinksOptions = {}) {
    const v = new ConfigValidator(undefined, '', 'ERR_INVALID_ARGUMENT');
    const record = v.object('options', options);
    v.knownKeys(record, OPTION_KEYS);
    this.#logger = safeLogger(options.logger);
    this.#options = Object.freeze({
      connectTimeoutMs: v.durationOr(record, 'connectTimeoutMs', 10_000),
      keepaliveIntervalMs: v.durationOr(record, 'keepaliveIntervalMs', 5000),
      keepaliveCountMax:
        record.keepaliveCountMax === undefined
          ? 3
          : v.integer('keepaliveCountMax', record.keepaliveCountMax, 1, 1000),
      backoffInitialMs: v.durationOr(record, 'backoffInitialMs', 250),
      backoffMaxMs: v.durationOr(record, 'backoffMaxMs', 30_000),
      maxSessions:
        record.maxSessions === undefined
          ? 10
          : v.integer('maxSessions', record.maxSessions, 1, 1000),
      linkWaitMs: v.durationOr(record, 'linkWaitMs', 10_000),
    });
  }

  /** The link to `config`'s host, made and connected on first use. */
  acquire(config: NormalizedSshConfig): SshLease {
    if (this.#closed) throw new GamewardError('ERR_DISPOSED', 'SshLinks is closed');
    let entry = this.#links.get(config.key);
    if (entry === undefined) {
      entry = { link: new SshLink(config, this.#options, this.#logger), leases: 0 };
      this.#links.set(config.key, entry);
      entry.link.connect();
    } else {
      assertSameCredentials(entry.link.config, config);
    }
    entry.leases++;
    const held = entry;
    let released: Promise<void> | undefined;
    return {
      link: held.link,
      release: () => {
        released ??= this.#release(config.key, held);
        return released;
      },
    };
  }

  /** The link to `key` (`user@host:port`), when one is held. */
  get(key: string): SshLink | undefined {
    return this.#links.get(key)?.link;
  }

  /** How many links (connections) are held. */
  get size(): number {
    return this.#links.size;
  }

  /** Closes every link, leases or not. Idempotent. */
  async close(): Promise<void> {
    this.#closed = true;
    const links = [...this.#links.values()].map((entry) => entry.link);
    this.#links.clear();
    await Promise.all(links.map((link) => link.close()));
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  async #release(key: string, entry: { link: SshLink; leases: number }): Promise<void> {
    entry.leases--;
    if (entry.leases > 0) return;
    if (this.#links.get(key) === entry) this.#links.delete(key);
    await entry.link.close();
  }
}

/**
 * Two instances may share a connection only with the same credentials and trust: otherwise one
 * would ride on a login, or a host-key check, it was never given.
 */
function assertSameCredentials(held: NormalizedSshConfig, wanted: NormalizedSshConfig): void {
  const same =
    sameSource(held.privateKey, wanted.privateKey) &&
    sameSecret(held.passphrase, wanted.passphrase) &&
    held.agent === wanted.agent &&
    sameSource(held.knownHosts, wanted.knownHosts);
  if (!same) {
    throw new GamewardError(
      'ERR_INVALID_CONFIG',
      `expected \`host.ssh\` to use the same privateKey, passphrase, agent and knownHosts as the open link to ${wanted.key}, got different ones`,
    );
  }
}

function sameSource(
  a: Source<Secret> | Source | undefined,
  b: Source<Secret> | Source | undefined,
): boolean {
  if (a === undefined || b === undefined) return a === b;
  if (a.kind === 'file' || b.kind === 'file')
    return a.kind === b.kind && (a as { path: string }).path === (b as { path: string }).path;
  return typeof a.text === 'string' || typeof b.text === 'string'
    ? a.text === b.text
    : a.text.equals(b.text);
}

function sameSecret(a: Secret | undefined, b: Secret | undefined): boolean {
  return a === undefined ? b === undefined : a.equals(b);
}
