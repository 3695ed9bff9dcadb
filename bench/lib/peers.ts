import type { ChildProcess } from 'node:child_process';
import type { EventEmitter } from 'node:events';
import { createRequire } from 'node:module';

// The peers live in bench/node_modules only; these are the few calls the bench makes, typed here
// so the root typecheck passes on a clone where bench/ is not installed.
const require = createRequire(import.meta.url);

type Callback<T = unknown> = (error: Error | null, result: T) => void;

interface Pm2Process {
  name?: string;
  pid?: number;
  pm2_env?: { status?: string };
}

interface Pm2Packet {
  event: string;
  process: { name: string; pm_id: number };
}

/** PM2's bus: an axon sub-emitter socket. */
interface Pm2Bus {
  on(event: string, listener: (packet: Pm2Packet) => void): void;
}

interface Pm2Api {
  connect(callback: Callback): void;
  start(options: Record<string, unknown>, callback: Callback): void;
  restart(name: string, callback: Callback): void;
  stop(name: string, callback: Callback): void;
  delete(name: string, callback: Callback): void;
  describe(name: string, callback: Callback<Pm2Process[]>): void;
  list(callback: Callback<Pm2Process[]>): void;
  launchBus(callback: Callback<Pm2Bus>): void;
  killDaemon(callback: Callback): void;
  disconnect(): void;
}

function call<T>(fn: (callback: Callback<T>) => void): Promise<T> {
  return new Promise((resolve, reject) => {
    fn((error, result) => (error ? reject(error) : resolve(result)));
  });
}

/** PM2's programmatic API, promisified, with its bus's process events by app name. */
export class Pm2 {
  readonly api: Pm2Api;
  readonly #listeners = new Set<(packet: Pm2Packet) => void>();

  private constructor(api: Pm2Api) {
    this.api = api;
  }

  /** Connects to (and spawns) the God daemon under PM2_HOME, which the caller must have set. */
  static async connect(): Promise<Pm2> {
    if (process.env.PM2_HOME === undefined) throw new Error('set PM2_HOME before loading pm2');
    const pm2 = new Pm2(require('pm2') as Pm2Api);
    await call((cb) => pm2.api.connect(cb));
    const bus = await call<Pm2Bus>((cb) => pm2.api.launchBus(cb));
    bus.on('process:event', (packet) => {
      for (const listener of pm2.#listeners) listener(packet);
    });
    return pm2;
  }

  /** Resolves with the time (performance.now) of the first bus event `event` for app `name`. */
  nextEvent(name: string, event: string): Promise<number> {
    return new Promise((resolve) => {
      const listener = (packet: Pm2Packet): void => {
        if (packet.event !== event || packet.process.name !== name) return;
        const at = performance.now();
        this.#listeners.delete(listener);
        resolve(at);
      };
      this.#listeners.add(listener);
    });
  }

  /** Calls `fn` for every bus event (returns the unsubscribe). */
  onEvent(fn: (packet: Pm2Packet) => void): () => void {
    this.#listeners.add(fn);
    return () => this.#listeners.delete(fn);
  }

  start(options: Record<string, unknown>): Promise<unknown> {
    return call((cb) => this.api.start(options, cb));
  }

  restart(name: string): Promise<unknown> {
    return call((cb) => this.api.restart(name, cb));
  }

  stop(name: string): Promise<unknown> {
    return call((cb) => this.api.stop(name, cb));
  }

  delete(name: string): Promise<unknown> {
    return call((cb) => this.api.delete(name, cb));
  }

  /** Every app the daemon holds. */
  list(): Promise<Pm2Process[]> {
    return call((cb) => this.api.list(cb));
  }

  /** The pid of app `name` once it is online. */
  async pid(name: string): Promise<number> {
    const [proc] = await call<Pm2Process[]>((cb) => this.api.describe(name, cb));
    if (proc?.pid === undefined || proc.pid === 0 || proc.pm2_env?.status !== 'online') {
      throw new Error(`pm2 app ${name} is not online (${proc?.pm2_env?.status})`);
    }
    return proc.pid;
  }

  /** Kills the God daemon and disconnects, so nothing of PM2 survives the bench. */
  async close(): Promise<void> {
    this.#listeners.clear();
    try {
      await call((cb) => this.api.killDaemon(cb));
    } finally {
      this.api.disconnect();
    }
  }
}

/** respawn's monitor: the events the bench listens to. */
export interface RespawnMonitor extends EventEmitter {
  readonly child: ChildProcess | null;
  readonly status: string;
  start(): void;
  stop(callback?: () => void): void;
}

type RespawnFactory = (command: string[], options: Record<string, unknown>) => RespawnMonitor;

/** Creates a respawn monitor (respawn is CommonJS and untyped). */
export function respawn(command: string[], options: Record<string, unknown>): RespawnMonitor {
  return (require('respawn') as RespawnFactory)(command, options);
}
