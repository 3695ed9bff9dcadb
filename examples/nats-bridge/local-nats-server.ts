import { type ChildProcess, spawn } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';

/** A nats-server child process listening on 127.0.0.1. */
export interface LocalNatsServer {
  /** `nats://127.0.0.1:<port>` */
  readonly url: string;
  readonly pid: number;
  /** Terminates it and resolves once it has exited. Idempotent. */
  stop(): Promise<void>;
}

function executable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** `$NATS_SERVER_BIN`, Debian's `/usr/sbin/nats-server`, or `nats-server` on PATH; else undefined. */
export function findNatsServer(): string | undefined {
  const candidates = [
    process.env.NATS_SERVER_BIN,
    '/usr/sbin/nats-server',
    ...(process.env.PATH ?? '').split(delimiter).map((dir) => join(dir, 'nats-server')),
  ];
  return candidates.find((path) => path !== undefined && path !== '' && executable(path));
}

/**
 * Starts `nats-server -a 127.0.0.1 -p -1` (a port the kernel picks, so parallel runs never
 * collide) and resolves once it logs that it is ready.
 */
export function startLocalNatsServer(
  bin = findNatsServer(),
  timeoutMs = 15_000,
): Promise<LocalNatsServer> {
  if (bin === undefined) return Promise.reject(new Error('nats-server is not installed'));
  const child = spawn(bin, ['-a', '127.0.0.1', '-p', '-1'], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  return new Promise((resolve, reject) => {
    let log = '';
    let url: string | undefined;
    const fail = (error: Error): void => {
      clearTimeout(timer);
      child.kill('SIGKILL');
      reject(error);
    };
    const timer = setTimeout(
      () => fail(new Error(`nats-server not ready after ${timeoutMs} ms:\n${log}`)),
      timeoutMs,
    );
    child.once('error', fail);
    child.once('exit', (code, signal) =>
      fail(new Error(`nats-server exited (${code ?? signal}) before it was ready:\n${log}`)),
    );
    child.stderr?.setEncoding('utf8');
    child.stderr?.on('data', (chunk: string) => {
      log += chunk;
      url ??= /Listening for client connections on (\S+:\d+)/.exec(log)?.[1];
      if (url !== undefined && log.includes('Server is ready')) {
        clearTimeout(timer);
        child.removeAllListeners('exit');
        child.removeAllListeners('error');
        // A failed kill() later is reported by stop()'s timeout, not as an uncaught 'error'.
        child.on('error', () => {});
        // Keep draining its log so a chatty server never blocks on a full pipe.
        child.stderr?.removeAllListeners('data');
        child.stderr?.resume();
        resolve({ url: `nats://${url}`, pid: child.pid as number, stop: stopper(child) });
      }
    });
  });
}

function stopper(child: ChildProcess): () => Promise<void> {
  const exited = new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once('exit', () => resolve());
  });
  return async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
    await exited;
    clearTimeout(timer);
  };
}
