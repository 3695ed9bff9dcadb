import { type Readable, Transform, type Writable } from 'node:stream';
import type { Client, ClientChannel } from 'ssh2';
import { GamewardError } from '../errors.js';
import { abortError } from '../util/abort.js';
import { linkDown } from './link-errors.js';

/** What a remote command ended with. `signal` is set when it died by one (`exitCode` then not). */
export interface ExecResult {
  readonly exitCode: number | undefined;
  readonly signal: NodeJS.Signals | undefined;
  readonly stdout: string;
  readonly stderr: string;
}

/** How a stream ended: its command exited, the link broke under it, or it was closed first. */
export type StreamExit =
  | {
      readonly kind: 'exited';
      readonly exitCode: number | undefined;
      readonly signal: NodeJS.Signals | undefined;
    }
  | { readonly kind: 'lost'; readonly error: GamewardError }
  | { readonly kind: 'closed' };

/** A long-lived remote command on its own session channel. */
export interface RemoteStream {
  readonly stdout: Readable;
  readonly stderr: Readable;
  readonly stdin: Writable;
  /** Resolves once the channel closed; never rejects. */
  readonly exit: Promise<StreamExit>;
  /** The remote command's pid (its process group when the login shell exec'd it). */
  readonly pid: Promise<number | undefined>;
  /** Sends a signal (default SIGTERM) to the remote command's process group. */
  kill(signal?: NodeJS.Signals): Promise<void>;
  /** Kills the remote command (SIGKILL) and closes the channel. */
  close(): void;
}

/** Sends `signal` to a remote pid (its group first); provided by the link, over its own channel. */
export type RemoteKill = (pid: number, signal: NodeJS.Signals) => Promise<void>;

const PID_MARKER = 'gameward-pid:';

/**
 * `argv` behind a tiny /bin/sh wrapper that first prints its pid on stderr, then execs `argv`
 * in its place. sshd cannot be relied on to deliver a signal (OpenSSH refuses signal requests
 * on root logins), so abort, timeout and kill() signal that pid over another channel.
 */
export function withPid(argv: readonly string[]): string[] {
  return ['sh', '-c', `printf '${PID_MARKER}%s\\n' "$$" >&2 && exec "$@"`, 'sh', ...argv];
}

/** `source` without the wrapper's pid line, and the pid it carried. */
export function splitPid(source: Readable): { stderr: Readable; pid: Promise<number | undefined> } {
  let head: Buffer | undefined = Buffer.alloc(0);
  let found: (pid: number | undefined) => void = () => {};
  const pid = new Promise<number | undefined>((resolve) => {
    found = resolve;
  });
  const stderr = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      if (head === undefined) return done(null, chunk);
      head = Buffer.concat([head, chunk]);
      const text = head.toString('latin1');
      const at = text.indexOf(PID_MARKER);
      const end = at < 0 ? -1 : text.indexOf('\n', at);
      if (end < 0) {
        // A login shell that prints a lot first: give up on the pid rather than buffer forever.
        if (head.length <= 4096) return done();
        found(undefined);
        const all = head;
        head = undefined;
        return done(null, all);
      }
      found(Number(text.slice(at + PID_MARKER.length, end)));
      const rest = Buffer.concat([head.subarray(0, at), head.subarray(end + 1)]);
      head = undefined;
      done(null, rest.length > 0 ? rest : undefined);
    },
    flush(done) {
      found(undefined);
      done(null, head !== undefined && head.length > 0 ? head : undefined);
    },
  });
  source.pipe(stderr);
  return { stderr, pid };
}

/** Opens an exec session channel for `command`. Rejects with a coded error, never a bare one. */
export function openSession(
  client: Client,
  command: string,
  target: string,
): Promise<ClientChannel> {
  return new Promise((resolve, reject) => {
    try {
      client.exec(command, (error, channel) => {
        if (error === undefined) resolve(channel);
        else
          reject(linkDown(target, 'lost', `cannot open a channel: ${error.message}`, error).error);
      });
    } catch (error) {
      reject(linkDown(target, 'lost', 'cannot open a channel', error).error);
    }
  });
}

/** Watches a channel until it closes: exit status, or `lost` when it closed without one. */
export function watchExit(channel: ClientChannel, target: string): Promise<StreamExit> {
  return new Promise((resolve) => {
    let exit: StreamExit | undefined;
    channel.on('exit', (code: number | null, signal?: string) => {
      exit = {
        kind: 'exited',
        exitCode: code ?? undefined,
        signal: (signal as NodeJS.Signals | undefined) ?? undefined,
      };
    });
    // A channel error (the link reset under it) is followed by close: close decides.
    channel.on('error', () => {});
    channel.stderr.on('error', () => {});
    channel.on('close', () => {
      resolve(
        exit ?? {
          kind: 'lost',
          error: linkDown(target, 'lost', 'the channel closed without an exit status').error,
        },
      );
    });
  });
}

/** What exec and stream need to stop a remote command. */
export interface ChannelContext {
  readonly target: string;
  readonly kill: RemoteKill;
}

/**
 * Feeds `stdin`, collects a command's output until its channel closes, and settles. On abort
 * or timeout the remote command's group gets SIGKILL and the channel closes: nothing stays.
 */
export function collectExec(
  channel: ClientChannel,
  context: ChannelContext,
  options: { signal: AbortSignal; stdin: string | Buffer | undefined; describe: () => string },
): Promise<ExecResult> {
  const stdout: Buffer[] = [];
  const stderr: Buffer[] = [];
  const split = splitPid(channel.stderr);
  channel.on('data', (chunk: Buffer) => stdout.push(chunk));
  split.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
  const drained = new Promise((resolve) => split.stderr.once('end', resolve));
  const exited = watchExit(channel, context.target);
  channel.end(options.stdin);
  return new Promise((resolve, reject) => {
    const onAbort = (): void => {
      stopRemote(channel, split.pid, context.kill);
      reject(abortError(options.signal));
    };
    if (options.signal.aborted) onAbort();
    else options.signal.addEventListener('abort', onAbort, { once: true });
    void exited.then(async (exit) => {
      options.signal.removeEventListener('abort', onAbort);
      if (exit.kind === 'exited') {
        await drained;
        resolve({
          exitCode: exit.exitCode,
          signal: exit.signal,
          stdout: Buffer.concat(stdout).toString('utf8'),
          stderr: Buffer.concat(stderr).toString('utf8'),
        });
      } else if (exit.kind === 'lost') {
        const message = `${exit.error.message} while running ${options.describe()}`;
        reject(new GamewardError('ERR_ENGINE_UNAVAILABLE', message, { cause: exit.error }));
      }
    });
  });
}

/** Wraps an open session channel as a {@link RemoteStream}. `signal` closes it. */
export function toRemoteStream(
  channel: ClientChannel,
  context: ChannelContext,
  signal: AbortSignal | undefined,
): RemoteStream {
  let closedByUs = false;
  const split = splitPid(channel.stderr);
  const exited = watchExit(channel, context.target).then(
    (exit): StreamExit => (closedByUs && exit.kind === 'lost' ? { kind: 'closed' } : exit),
  );
  const close = (): void => {
    closedByUs = true;
    split.stderr.resume();
    stopRemote(channel, split.pid, context.kill);
  };
  if (signal !== undefined) {
    if (signal.aborted) close();
    else {
      signal.addEventListener('abort', close, { once: true });
      void exited.then(() => signal.removeEventListener('abort', close));
    }
  }
  return {
    stdout: channel,
    stderr: split.stderr,
    stdin: channel,
    exit: exited,
    pid: split.pid,
    kill: async (name: NodeJS.Signals = 'SIGTERM') => {
      const pid = await split.pid;
      if (pid !== undefined) await context.kill(pid, name);
    },
    close,
  };
}

/** SIGKILL to the remote command's group (once its pid is known), and the channel closed. */
export function stopRemote(
  channel: ClientChannel,
  pid: Promise<number | undefined>,
  kill: RemoteKill,
): void {
  // A pid that never comes (a broken wrapper) must not keep the channel open.
  const bounded = Promise.race([
    pid,
    new Promise<undefined>((r) => setTimeout(() => r(undefined), 2000).unref()),
  ]);
  void bounded
    .then((known) => (known === undefined ? undefined : kill(known, 'SIGKILL')))
    .catch(() => {})
    .finally(() => closeChannel(channel));
}

/**
 * Closes a channel whatever state it is in. Its output is discarded: ssh2 emits `close` only
 * once stdout was read to its end, so unread output would otherwise hold the channel open.
 */
export function closeChannel(channel: ClientChannel): void {
  channel.resume();
  channel.stderr.resume();
  try {
    channel.close();
  } catch {
    // Already closed with its connection.
  }
}
