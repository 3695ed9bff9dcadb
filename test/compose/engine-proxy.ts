import { mkdtempSync, rmSync } from 'node:fs';
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** The real engine's socket, which the proxy forwards to. */
export const ENGINE_SOCKET = '/var/run/docker.sock';

/**
 * A unix socket in front of the real engine, for the fault tests: `DOCKER_HOST` of an instance
 * (its compose commands and its Engine API client alike) points at it. `cut()` drops every
 * connection, as an engine restart does; `wedge()` also makes it accept new connections and
 * never answer, as a wedged engine does; `heal()` forwards again.
 */
export class EngineProxy implements AsyncDisposable {
  readonly path: string;
  readonly host: string;
  readonly #dir: string;
  readonly #server: Server;
  readonly #sockets = new Set<Socket>();
  #wedged = false;
  #target = ENGINE_SOCKET;

  private constructor(dir: string, server: Server) {
    this.#dir = dir;
    this.path = join(dir, 'engine.sock');
    this.host = `unix://${this.path}`;
    this.#server = server;
  }

  /**
   * Starts a proxy that forwards to the engine at the unix socket `target` (Docker's by default),
   * or, `wedged`, never answers from the start.
   */
  static async start(options: { wedged?: boolean; target?: string } = {}): Promise<EngineProxy> {
    const dir = mkdtempSync(join(tmpdir(), 'gw-proxy-'));
    let proxy: EngineProxy | undefined;
    const server = createServer((client) => proxy?.accept(client));
    proxy = new EngineProxy(dir, server);
    proxy.#wedged = options.wedged === true;
    proxy.#target = options.target ?? ENGINE_SOCKET;
    await new Promise<void>((resolve) => server.listen(proxy.path, resolve));
    return proxy;
  }

  /** Connections open now (client side). */
  get connections(): number {
    return [...this.#sockets].filter((s) => s.listenerCount('data') > 0 || this.#wedged).length;
  }

  accept(client: Socket): void {
    this.#sockets.add(client);
    client.on('close', () => this.#sockets.delete(client));
    client.on('error', () => undefined);
    if (this.#wedged) return; // Accepted, read, never answered.
    const upstream = createConnection(this.#target);
    this.#sockets.add(upstream);
    upstream.on('close', () => {
      this.#sockets.delete(upstream);
      client.destroy();
    });
    upstream.on('error', () => undefined);
    client.on('close', () => upstream.destroy());
    client.pipe(upstream);
    upstream.pipe(client);
  }

  /** Drops every open connection. */
  cut(): void {
    for (const socket of this.#sockets) socket.destroy();
  }

  /** Drops every connection; new ones are accepted and never answered. */
  wedge(): void {
    this.#wedged = true;
    this.cut();
  }

  /** Forwards new connections again. */
  heal(): void {
    this.#wedged = false;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    this.cut();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
    rmSync(this.#dir, { recursive: true, force: true });
  }
}
