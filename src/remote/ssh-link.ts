import { EventEmitter } from 'node:events';
import type { Duplex } from 'node:stream';
import type { Client, ClientChannel } from 'ssh2';
import { GamewardError } from '../errors.js';
import type { Logger } from '../logger.js';
import { abortError, delay } from '../util/abort.js';
import {
  type ChannelContext,
  closeChannel,
  collectExec,
  type ExecResult,
  openSession,
  type RemoteStream,
  toRemoteStream,
  withPid,
} from './channels.js';
import { type ConnectTuning, openClient } from './connect.js';
import {
  isFatalReason,
  type LinkDownReason,
  type LinkFailure,
  linkClosed,
  linkDown,
} from './link-errors.js';
import type { NormalizedSshConfig } from './options.js';
import { shellCommand } from './quote.js';
import { backoffDelay, SessionGate } from './session-gate.js';

/** Tuning of every link of an {@link SshLinks}, defaults applied. */
export interface LinkOptions extends ConnectTuning {
  readonly backoffInitialMs: number;
  readonly backoffMaxMs: number;
  /** Session channels open at once (sshd's `MaxSessions`, default 10); more wait their turn. */
  readonly maxSessions: number;
  /** How long a call waits for a link that is down but retrying, before it fails. */
  readonly linkWaitMs: number;
}

/**
 * A link's state, for instances to report. `down` says why ({@link LinkDownReason}), whether it
 * is retrying on its own, the last error, and the attempt count since it was last up.
 */
export type LinkStatus =
  | { readonly state: 'up'; readonly since: number }
  | {
      readonly state: 'down';
      readonly reason: LinkDownReason;
      readonly retrying: boolean;
      readonly error: GamewardError | undefined;
      readonly since: number;
      readonly attempt: number;
      /** When retrying after a failed attempt: the wait before the next one. */
      readonly nextAttemptInMs: number | undefined;
    };

/** Events of an {@link SshLink}. Listeners run synchronously and must not throw. */
export interface LinkEvents {
  status: [next: LinkStatus, previous: LinkStatus];
}

/** Options of {@link SshLink.exec}. */
export interface ExecOptions {
  signal?: AbortSignal | undefined;
  /** Bounds the whole call: waiting for the link, a free channel and the command. */
  timeoutMs?: number | undefined;
  /** Written to the command's stdin, which is then closed (closed at once when absent). */
  stdin?: string | Buffer | undefined;
}

/**
 * One SSH connection to one `user@host:port`, shared by every instance on that host: each
 * command or stream gets its own channel on it. It connects on {@link connect}, reconnects with
 * exponential backoff after a failure or loss, and reports its {@link LinkStatus} by `status`
 * events. Obtain links from {@link SshLinks}, which keeps one per host.
 */
export class SshLink extends EventEmitter<LinkEvents> {
  readonly key: string;
  #status: LinkStatus;
  #client: Client | undefined;
  #running: Promise<void> | undefined;
  #closing: Promise<void> | undefined;
  #connects = 0;
  readonly #stop = new AbortController();
  readonly #gate: SessionGate;
  readonly #channels = new Set<ClientChannel>();
  readonly #streams = new Set<RemoteStream>();
  readonly #context: ChannelContext;

  constructor(
    readonly config: NormalizedSshConfig,
    readonly options: LinkOptions,
    readonly logger: Logger,
  ) {
    super();
    // Every instance of the host may wait on the link at once: that is no leak.
    this.setMaxListeners(0);
    this.key = config.key;
    this.#gate = new SessionGate(options.maxSessions);
    this.#status = downStatus('connecting', undefined, true, 0, undefined);
    this.#context = { target: this.key, kill: (pid, signal) => this.#kill(pid, signal) };
  }

  get status(): LinkStatus {
    return this.#status;
  }

  /** How many times this link connected: 1 plus its reconnects. */
  get connectCount(): number {
    return this.#connects;
  }

  /** Starts connecting (and keeps reconnecting) unless it already does. */
  connect(): void {
    if (this.#stop.signal.aborted || this.#running !== undefined) return;
    this.#running = this.#run().finally(() => {
      this.#running = undefined;
    });
  }

  /** Tries again after a reason that is not retried (`auth`, `host-key`): keys may have changed. */
  reconnect(): void {
    if (this.#status.state === 'down' && !this.#status.retrying && !this.#stop.signal.aborted) {
      this.#setStatus(downStatus('connecting', undefined, true, 0, undefined));
      this.connect();
    }
  }

  /** Resolves once the link is up; rejects at once when it is not retrying, else after `timeoutMs`. */
  waitUp(signal?: AbortSignal, timeoutMs = this.options.linkWaitMs): Promise<void> {
    const blocked = this.#blocked();
    if (blocked !== null)
      return blocked === undefined ? Promise.resolve() : Promise.reject(blocked);
    if (signal?.aborted) return Promise.reject(abortError(signal));
    return new Promise((resolve, reject) => {
      const finish = (error?: Error): void => {
        clearTimeout(timer);
        this.off('status', onStatus);
        signal?.removeEventListener('abort', onAbort);
        if (error === undefined) resolve();
        else reject(error);
      };
      const onStatus = (): void => {
        const now = this.#blocked();
        if (now !== null) finish(now);
      };
      const onAbort = (): void => finish(abortError(signal as AbortSignal));
      const timer = setTimeout(() => {
        const last = this.#status.state === 'down' ? this.#status.error : undefined;
        const detail = `not up within ${timeoutMs} ms${last === undefined ? '' : `: ${last.message}`}`;
        finish(linkDown(this.key, 'unreachable', detail, last).error);
      }, timeoutMs);
      this.on('status', onStatus);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  /** Runs `argv` (quoted by {@link shellCommand}) on a channel of its own and collects its output. */
  async exec(argv: readonly string[], options: ExecOptions = {}): Promise<ExecResult> {
    const shown = shellCommand(argv);
    const describe = (): string => `\`${shown.slice(0, 200)}\` on ${this.key}`;
    const bound = boundSignal(options.signal, options.timeoutMs, describe);
    try {
      const channel = await this.#openSession(shellCommand(withPid(argv)), bound.signal);
      return await collectExec(channel, this.#context, {
        signal: bound.signal,
        stdin: options.stdin,
        describe,
      });
    } finally {
      bound.dispose();
    }
  }

  /** Starts `argv` on a long-lived channel. `signal` closes the channel (and kills the command). */
  async stream(
    argv: readonly string[],
    options: { signal?: AbortSignal } = {},
  ): Promise<RemoteStream> {
    const command = shellCommand(withPid(argv));
    const channel = await this.#openSession(
      command,
      options.signal ?? new AbortController().signal,
    );
    const stream = toRemoteStream(channel, this.#context, options.signal);
    this.#streams.add(stream);
    void stream.exit.then(() => this.#streams.delete(stream));
    return stream;
  }

  /**
   * A stream to a Unix socket on the remote host (OpenSSH's direct-streamlocal, as `ssh -L
   * local:/remote.sock`): a keeper's control socket, or /var/run/docker.sock. Not a session:
   * `MaxSessions` does not bound these.
   */
  async openUnixSocket(path: string, options: { signal?: AbortSignal } = {}): Promise<Duplex> {
    await this.waitUp(options.signal);
    const client = this.#client;
    if (client === undefined) throw linkDown(this.key, 'lost', 'the link went down').error;
    const channel = await new Promise<ClientChannel>((resolve, reject) => {
      client.openssh_forwardOutStreamLocal(path, (error, opened) => {
        if (error === undefined) resolve(opened);
        else {
          const message = `cannot open remote socket ${JSON.stringify(path)} on ${this.key}: ${error.message}`;
          reject(new GamewardError('ERR_ENGINE_UNAVAILABLE', message, { cause: error }));
        }
      });
    });
    this.#track(channel, () => {});
    channel.on('error', () => {});
    return channel;
  }

  /** Closes every channel and the connection, stops reconnecting. Idempotent. */
  close(): Promise<void> {
    this.#closing ??= this.#close();
    return this.#closing;
  }

  async #close(): Promise<void> {
    // Streams' remote commands are killed while the link can still carry the kill.
    if (this.#status.state === 'up') {
      const kills = [...this.#streams].map((stream) => {
        stream.stdout.resume();
        stream.stderr.resume();
        return stream.kill('SIGKILL').catch(() => {});
      });
      await Promise.race([Promise.all(kills), delay(2000).catch(() => {})]);
    }
    this.#stop.abort();
    for (const channel of this.#channels) closeChannel(channel);
    const client = this.#client;
    if (client !== undefined) {
      client.end();
      // A black-holed peer never answers the disconnect: drop the socket after a moment.
      const timer = setTimeout(() => client.destroy(), 500);
      client.once('close', () => clearTimeout(timer));
    }
    await this.#running;
    this.#setStatus(downStatus('closed', undefined, false, 0, undefined));
  }

  async #run(): Promise<void> {
    let attempt = 0;
    while (!this.#stop.signal.aborted) {
      let client: Client;
      try {
        client = await openClient(this.config, this.options, this.#stop.signal);
      } catch (thrown) {
        if (this.#stop.signal.aborted) return;
        const failure = toFailure(this.key, thrown);
        const fatal = isFatalReason(failure.reason);
        const wait = fatal
          ? undefined
          : backoffDelay(attempt, this.options.backoffInitialMs, this.options.backoffMaxMs);
        attempt++;
        this.#setStatus(downStatus(failure.reason, failure.error, !fatal, attempt, wait));
        if (wait === undefined) return;
        const waited = await delay(wait, this.#stop.signal).then(
          () => true,
          () => false,
        );
        if (!waited) return;
        continue;
      }
      attempt = 0;
      this.#connects++;
      const lost = new Promise<LinkFailure>((resolve) => {
        let last: unknown;
        client.on('error', (error) => {
          last = error;
        });
        client.once('close', () => {
          const detail = last instanceof Error ? last.message : 'the connection closed';
          resolve(linkDown(this.key, 'lost', detail, last));
        });
      });
      this.#client = client;
      this.#setStatus({ state: 'up', since: Date.now() });
      const failure = await lost;
      this.#client = undefined;
      if (this.#stop.signal.aborted) return;
      this.#setStatus(downStatus('lost', failure.error, true, 0, 0));
    }
  }

  async #openSession(command: string, signal: AbortSignal): Promise<ClientChannel> {
    await this.waitUp(signal);
    const release = await this.#gate.acquire(signal);
    let channel: ClientChannel;
    try {
      channel = await this.#openRetrying(command, signal);
    } catch (error) {
      release();
      throw error;
    }
    this.#track(channel, release);
    if (signal.aborted) {
      closeChannel(channel);
      throw abortError(signal);
    }
    return channel;
  }

  /**
   * sshd frees a session slot a moment after the channel's close reached us, and a server may
   * allow fewer than `maxSessions`: a refused open is retried a few times before it counts.
   */
  async #openRetrying(command: string, signal: AbortSignal): Promise<ClientChannel> {
    for (let attempt = 0; ; attempt++) {
      const client = this.#client;
      if (client === undefined) throw linkDown(this.key, 'lost', 'the link went down').error;
      try {
        return await openSession(client, command, this.key);
      } catch (error) {
        if (attempt >= 6 || this.#client !== client) throw error;
        await delay(25 * 2 ** attempt, signal);
      }
    }
  }

  /** Signals a remote pid's group (or the pid alone) on a channel of its own. */
  async #kill(pid: number, signal: NodeJS.Signals): Promise<void> {
    const script = 'kill -s "$1" -- "-$2" 2>/dev/null || kill -s "$1" -- "$2"';
    const name = signal.replace(/^SIG/, '');
    await this.exec(['sh', '-c', script, 'sh', name, String(pid)], { timeoutMs: 5000 });
  }

  #track(channel: ClientChannel, release: () => void): void {
    this.#channels.add(channel);
    channel.once('close', () => {
      this.#channels.delete(channel);
      release();
    });
  }

  /** null: keep waiting; undefined: up; an Error: waiting cannot help. */
  #blocked(): Error | undefined | null {
    const status = this.#status;
    if (this.#stop.signal.aborted) return linkClosed(this.key);
    if (status.state === 'up') return undefined;
    if (!status.retrying) return status.error ?? linkClosed(this.key);
    return null;
  }

  #setStatus(next: LinkStatus): void {
    const previous = this.#status;
    this.#status = next;
    if (next.state === 'up') this.logger.info({ link: this.key }, 'ssh link up');
    else {
      const { reason, retrying, attempt, nextAttemptInMs } = next;
      const fields = {
        link: this.key,
        reason,
        retrying,
        attempt,
        nextAttemptInMs,
        error: next.error?.message,
      };
      this.logger.warn(fields, 'ssh link down');
    }
    this.emit('status', next, previous);
  }
}

function downStatus(
  reason: LinkDownReason,
  error: GamewardError | undefined,
  retrying: boolean,
  attempt: number,
  nextAttemptInMs: number | undefined,
): LinkStatus {
  return { state: 'down', reason, retrying, error, since: Date.now(), attempt, nextAttemptInMs };
}

function toFailure(key: string, thrown: unknown): LinkFailure {
  const failure = thrown as Partial<LinkFailure> | undefined;
  if (failure?.error instanceof GamewardError && typeof failure.reason === 'string') {
    return failure as LinkFailure;
  }
  return linkDown(
    key,
    'unreachable',
    thrown instanceof Error ? thrown.message : String(thrown),
    thrown,
  );
}

/** The caller's signal and an optional timeout as one signal, whose reason is a coded error. */
function boundSignal(
  signal: AbortSignal | undefined,
  timeoutMs: number | undefined,
  describe: () => string,
): { signal: AbortSignal; dispose: () => void } {
  const controller = new AbortController();
  const onAbort = (): void => controller.abort(signal?.reason);
  if (signal?.aborted) onAbort();
  else signal?.addEventListener('abort', onAbort, { once: true });
  const timer =
    timeoutMs === undefined
      ? undefined
      : setTimeout(() => {
          controller.abort(
            new GamewardError('ERR_TIMEOUT', `${describe()} timed out after ${timeoutMs} ms`),
          );
        }, timeoutMs);
  return {
    signal: controller.signal,
    dispose: () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
    },
  };
}
