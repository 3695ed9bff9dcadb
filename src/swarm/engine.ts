import { parseEngineAddress } from '../engine/address.js';
import { EngineClient, EngineError } from '../engine/client.js';
import { GamewardError } from '../errors.js';

/** Bound on one short Engine API call, so a wedged manager cannot hang a lifecycle call. */
const CALL_TIMEOUT_MS = 15_000;
const DEFAULT_HOST = 'unix:///var/run/docker.sock';

/** The Engine API of one swarm manager, as every swarm instance on it shares it. */
export interface ManagerApi {
  /** The manager's address (`DOCKER_HOST`): instances with the same one share a task board. */
  readonly host: string;
  /** API calls made so far (requests and streams opened): what the bench counts. */
  readonly calls: number;
  /** A JSON request; rejects with a coded {@link GamewardError}. */
  request<T>(
    method: 'GET' | 'POST' | 'DELETE',
    path: string,
    query?: object,
    signal?: AbortSignal,
  ): Promise<T>;
  /** A streaming GET (events, logs); destroy the stream to end it. */
  stream(path: string, query: object, signal?: AbortSignal): Promise<NodeJS.ReadableStream>;
}

/** The manager `env.DOCKER_HOST` (or the host's) names; unix sockets, tcp (with TLS) and ssh. */
export function managerHost(env: Readonly<Record<string, string>> | undefined): string {
  return env?.DOCKER_HOST ?? process.env.DOCKER_HOST ?? DEFAULT_HOST;
}

/**
 * Opens the Engine API of the manager at `host` (`env` for DOCKER_TLS_VERIFY/DOCKER_CERT_PATH),
 * through the bounded client the compose plane uses (src/engine/client.ts): the same address
 * rules, kept-alive connections, and a bound on each call and on each stream's opening.
 */
export function openManager(
  host: string,
  env: Readonly<Record<string, string | undefined>> = process.env,
): ManagerApi {
  let client: EngineClient;
  try {
    client = new EngineClient(parseEngineAddress({ ...env, DOCKER_HOST: host }));
  } catch (error) {
    throw new GamewardError(
      'ERR_ENGINE_UNAVAILABLE',
      `DOCKER_HOST ${JSON.stringify(host)} has a scheme gameward cannot reach (unix, tcp, ssh)`,
      { cause: error },
    );
  }
  let calls = 0;
  const call = (signal: AbortSignal | undefined) => ({ signal, timeoutMs: CALL_TIMEOUT_MS });
  return {
    host,
    get calls() {
      return calls;
    },
    async request<T>(method: string, path: string, query: object = {}, signal?: AbortSignal) {
      calls += 1;
      try {
        return await client.json<T>(method, path, query as Record<string, unknown>, call(signal));
      } catch (error) {
        throw toEngineError(host, error);
      }
    },
    async stream(path: string, query: object, signal?: AbortSignal) {
      calls += 1;
      try {
        return await client.stream(path, query as Record<string, unknown>, call(signal));
      } catch (error) {
        throw toEngineError(host, error);
      }
    },
  };
}

/**
 * What an Engine API failure means for a swarm instance: the manager cannot be reached, or the
 * engine is no manager (`ERR_ENGINE_UNAVAILABLE`), or it refused the request (`ERR_COMPOSE`). A
 * caller's abort reason passes through.
 */
export function toEngineError(host: string, error: unknown): Error {
  if (error instanceof GamewardError) return error;
  if (!(error instanceof EngineError)) {
    return error instanceof Error ? error : new Error(String(error));
  }
  const under = error.cause as { json?: { message?: string }; message?: string } | undefined;
  const detail = (under?.json?.message ?? under?.message ?? error.message).trim();
  if (error.statusCode === 503 || /not a swarm manager|not part of a swarm/i.test(detail)) {
    return new GamewardError(
      'ERR_ENGINE_UNAVAILABLE',
      `the Docker engine at ${host} is not a swarm manager (${detail}): run \`docker swarm init\` there, or point DOCKER_HOST at a manager`,
      { cause: error },
    );
  }
  if (error.kind === 'unavailable') {
    return new GamewardError(
      'ERR_ENGINE_UNAVAILABLE',
      `the swarm manager at ${host} cannot be reached: ${error.message}`,
      { cause: error },
    );
  }
  return new GamewardError('ERR_COMPOSE', `the swarm manager at ${host} refused: ${detail}`, {
    cause: error,
  });
}
