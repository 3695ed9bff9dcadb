import { once } from 'node:events';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  type ErrorCode,
  type Fleet,
  isGamewardError,
  type Logger,
  silentLogger,
  toWire,
} from '../../src/index.js';
import { renderPage } from './page.js';

/** Options of {@link startStatusServer}. */
export interface StatusServerOptions {
  /** The instances to show and control. The server never disposes it. */
  fleet: Fleet;
  /** Default 127.0.0.1: the page can start and stop servers, so it is not for the open internet. */
  host?: string;
  /** Default 0: a free port. */
  port?: number;
  title?: string;
  logger?: Logger;
}

/** A running status server. */
export interface StatusServer extends AsyncDisposable {
  /** `http://127.0.0.1:<port>` */
  readonly url: string;
  /** Ends every live event stream and closes the server. Idempotent. */
  close(): Promise<void>;
}

const STATUS: Partial<Record<ErrorCode, number>> = {
  ERR_UNKNOWN_INSTANCE: 404,
  ERR_INVALID_ACTION: 400,
  ERR_INVALID_ARGUMENT: 400,
  ERR_ALREADY_RUNNING: 409,
  ERR_NOT_RUNNING: 409,
  ERR_UNMANAGED: 409,
  ERR_DISPOSED: 503,
};

/** Comment lines keep idle event streams open through proxies that drop silent connections. */
const KEEPALIVE_MS = 15_000;

/**
 * A status page for a fleet on node:http alone: `GET /` lists the instances with Start and Stop
 * buttons, `GET /events` streams every state change as Server-Sent Events, `GET /api/instances`
 * returns the snapshot as JSON, `POST /instances/<id>/<action>` runs a command.
 */
export async function startStatusServer(options: StatusServerOptions): Promise<StatusServer> {
  const { fleet } = options;
  const logger = options.logger ?? silentLogger;
  const title = options.title ?? 'gameward';
  const shutdown = new AbortController();

  const json = (res: ServerResponse, status: number, body: unknown): void => {
    res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' });
    res.end(JSON.stringify(body));
  };

  const events = async (res: ServerResponse): Promise<void> => {
    // The response closes when the browser goes away (or the stream ended): stop iterating.
    const gone = new AbortController();
    res.once('close', () => gone.abort());
    const signal = AbortSignal.any([gone.signal, shutdown.signal]);
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache',
      connection: 'keep-alive',
    });
    res.write('retry: 2000\n\n');
    const keepalive = setInterval(() => res.write(': keepalive\n\n'), KEEPALIVE_MS);
    try {
      for await (const { instanceId, state } of fleet.states({ signal })) {
        const data = JSON.stringify({ instance_id: instanceId, ...toWire(state) });
        // A slow client: wait for the socket, while the fleet drops its oldest states.
        if (!res.write(`event: state\ndata: ${data}\n\n`)) await once(res, 'drain', { signal });
      }
    } catch (error) {
      if (!signal.aborted) throw error;
    } finally {
      clearInterval(keepalive);
      res.end();
      logger.debug({}, 'event stream ended');
    }
  };

  const command = async (req: IncomingMessage, res: ServerResponse, path: string) => {
    // A page on another origin must not be able to post to this one (a browser sends Origin).
    const origin = req.headers.origin;
    if (origin !== undefined && origin !== `http://${req.headers.host}`) {
      json(res, 403, { ok: false, error: { code: 'FORBIDDEN', message: 'cross-origin request' } });
      return;
    }
    const [, , rawId = '', action = ''] = path.split('/');
    const wantsJson = req.headers.accept?.includes('application/json') === true;
    let instanceId: string;
    try {
      instanceId = decodeURIComponent(rawId);
    } catch {
      return json(res, 400, { ok: false, error: { code: 'BAD_PATH', message: 'bad escape' } });
    }
    try {
      const state = await fleet.dispatch({ instanceId, action });
      if (!wantsJson) return redirect(res);
      json(res, 200, { ok: true, state: toWire(state) });
    } catch (error) {
      if (!isGamewardError(error))
        logger.error({ err: error, instanceId, action }, 'command failed');
      if (!wantsJson) return redirect(res);
      const code = isGamewardError(error) ? error.code : 'ERR_INTERNAL';
      json(res, STATUS[code as ErrorCode] ?? 500, {
        ok: false,
        error: { code, message: error instanceof Error ? error.message : String(error) },
      });
    }
  };

  const route = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const { pathname } = new URL(req.url ?? '/', 'http://localhost');
    const method = req.method ?? 'GET';
    if (method === 'POST' && /^\/instances\/[^/]+\/[^/]+$/.test(pathname)) {
      req.resume();
      return command(req, res, pathname);
    }
    if (method !== 'GET' && method !== 'HEAD') return json(res, 405, { ok: false });
    if (pathname === '/events') return events(res);
    if (pathname === '/api/instances') {
      return json(
        res,
        200,
        fleet.snapshot().map((e) => ({
          instance_id: e.instanceId,
          ...toWire(e.state),
          uptime_seconds: e.uptimeSeconds,
        })),
      );
    }
    if (pathname === '/') {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end(renderPage(title, fleet.snapshot()));
      return;
    }
    json(res, 404, { ok: false });
  };

  const server = createServer((req, res) => {
    route(req, res).catch((error: unknown) => {
      logger.error({ err: error, url: req.url }, 'request failed');
      if (!res.headersSent) json(res, 500, { ok: false });
      else res.end();
    });
  });
  server.listen(options.port ?? 0, options.host ?? '127.0.0.1');
  await once(server, 'listening');
  const { address, port } = server.address() as AddressInfo;

  let closing: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closing ??= new Promise<void>((resolve) => {
      shutdown.abort();
      server.close(() => resolve());
      server.closeAllConnections();
    });
    return closing;
  };
  const host = address.includes(':') ? `[${address}]` : address;
  return { url: `http://${host}:${port}`, close, [Symbol.asyncDispose]: close };
}

function redirect(res: ServerResponse): void {
  res.writeHead(303, { location: '/' });
  res.end();
}
