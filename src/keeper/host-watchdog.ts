import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { constants } from 'node:os';
import { describeGot, GamewardError } from '../errors.js';
import { detachedStdio } from './detached-stdio.js';
import { WATCHDOG_SCRIPT } from './watchdog-script.js';

/** A server the watchdog brings down if the host dies. */
export interface WatchdogEntry {
  /** Put into the server's env as `GAMEWARD_WATCH=<token>` (see {@link HostWatchdog.envFor}). */
  readonly token: string;
  /** The server's process group (its pid when spawned detached). */
  readonly pgid: number;
  /** How long the tree gets after the stop signal before SIGKILL, as stop() gives it. */
  readonly stopTimeoutMs: number;
  /** The graceful signal (default SIGTERM). */
  readonly stopSignal?: NodeJS.Signals;
}

const ENV_NAME = 'GAMEWARD_WATCH';

function invalid(field: string, value: unknown, expected: string): GamewardError {
  return new GamewardError(
    'ERR_INVALID_ARGUMENT',
    `Expected \`${field}\` to be ${expected}, got ${describeGot(value)}`,
  );
}

function toLine(entry: WatchdogEntry): string {
  const { token, pgid, stopTimeoutMs } = entry;
  const stopSignal = entry.stopSignal ?? 'SIGTERM';
  if (typeof token !== 'string' || !/^[A-Za-z0-9_-]{8,128}$/.test(token)) {
    throw invalid('token', token, 'a string of 8-128 letters, digits, _ or -');
  }
  if (!Number.isSafeInteger(pgid) || pgid < 2)
    throw invalid('pgid', pgid, 'a process group id above 1');
  if (!Number.isSafeInteger(stopTimeoutMs) || stopTimeoutMs < 0) {
    throw invalid('stopTimeoutMs', stopTimeoutMs, 'a non-negative integer');
  }
  if (!(stopSignal in constants.signals) || stopSignal === 'SIGKILL') {
    throw invalid('stopSignal', stopSignal, 'a signal name other than SIGKILL');
  }
  return `add ${token} ${pgid} ${stopTimeoutMs} ${stopSignal.slice(3)}\n`;
}

let shared: HostWatchdog | undefined;

/**
 * Makes sure the servers of a host that dies (even by SIGKILL) go down with it, as stop() would
 * take them: one tiny `sh` per host, detached and unref'd, whose stdin is a pipe from the host.
 * EOF on that pipe means the host is gone. Registering costs one pipe write; the process starts
 * on the first registration only.
 */
export class HostWatchdog {
  readonly #entries = new Map<string, string>();
  #child: ChildProcess | undefined;

  /** The host's one watchdog (created lazily, never closed). */
  static shared(): HostWatchdog {
    shared ??= new HostWatchdog();
    return shared;
  }

  /** A fresh token for {@link register}. */
  static newToken(): string {
    return randomUUID().replaceAll('-', '');
  }

  /** The env entry that marks a server (and every descendant) as the token's. */
  static envFor(token: string): Record<string, string> {
    return { [ENV_NAME]: token };
  }

  /** The watchdog process's pid, once it runs. */
  get pid(): number | undefined {
    return this.#child?.pid;
  }

  /** Hands a server to the watchdog; the returned function takes it back (it stopped cleanly). */
  register(entry: WatchdogEntry): () => void {
    const line = toLine(entry);
    if (this.#entries.has(entry.token))
      throw invalid('token', entry.token, 'a token not yet registered');
    this.#entries.set(entry.token, line);
    this.#write(line);
    let done = false;
    return () => {
      if (done) return;
      done = true;
      this.#entries.delete(entry.token);
      this.#write(`del ${entry.token}\n`);
    };
  }

  /**
   * Ends the watchdog without killing anything (a clean host exit that leaves its servers to
   * their own stop path). Resolves once the process has exited.
   */
  async close(): Promise<void> {
    const child = this.#child;
    this.#child = undefined;
    this.#entries.clear();
    if (shared === this) shared = undefined;
    if (child === undefined || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.stdin?.end('quit\n');
    await exited;
  }

  #write(line: string): void {
    const child = this.#child ?? this.#spawn();
    child.stdin?.write(line);
  }

  #spawn(): ChildProcess {
    const { stdio, release } = detachedStdio('pipe');
    const child = spawn('/bin/sh', ['-c', WATCHDOG_SCRIPT, 'gameward-watchdog'], {
      detached: true,
      stdio,
    });
    release();
    this.#child = child;
    child.unref();
    // The pipe must not keep the host alive either; its EOF is the whole point.
    (child.stdin as unknown as { unref?: () => void } | null)?.unref?.();
    child.stdin?.on('error', () => {});
    child.on('error', () => {});
    child.once('exit', () => {
      // Killed from outside: the next write starts a new one, told every live registration.
      if (this.#child !== child) return;
      this.#child = undefined;
      if (this.#entries.size > 0) queueMicrotask(() => this.#respawn());
    });
    return child;
  }

  #respawn(): void {
    if (this.#child !== undefined || this.#entries.size === 0) return;
    const child = this.#spawn();
    for (const line of this.#entries.values()) child.stdin?.write(line);
  }
}
