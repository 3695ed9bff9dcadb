import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Docker from 'dockerode';
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

/** Opens the Engine API of the manager at `host` (`env` for DOCKER_TLS_VERIFY/DOCKER_CERT_PATH). */
export function openManager(
  host: string,
  env: Readonly<Record<string, string | undefined>> = process.env,
): ManagerApi {
  const docker = new Docker(dockerOptions(host, env));
  let calls = 0;
  const dial = <T>(options: object, signal: AbortSignal | undefined): Promise<T> => {
    calls += 1;
    return new Promise<T>((resolve, reject) => {
      docker.modem.dial(
        { ...options, abortSignal: signal } as never,
        (error: unknown, data: unknown) =>
          error ? reject(toEngineError(host, error)) : resolve(data as T),
      );
    });
  };
  return {
    host,
    get calls() {
      return calls;
    },
    request<T>(method: string, path: string, query: object = {}, signal?: AbortSignal) {
      const bounded = AbortSignal.timeout(CALL_TIMEOUT_MS);
      return dial<T>(
        {
          path: `${path}?`,
          method,
          options: { ...query },
          statusCodes: { 200: true, 201: true, 204: true, 304: true },
        },
        signal === undefined ? bounded : AbortSignal.any([signal, bounded]),
      );
    },
    stream(path: string, query: object, signal?: AbortSignal) {
      return dial<NodeJS.ReadableStream>(
        {
          path: `${path}?`,
          method: 'GET',
          options: { ...query },
          isStream: true,
          statusCodes: { 200: true },
        },
        signal,
      );
    },
  };
}

function dockerOptions(
  host: string,
  env: Readonly<Record<string, string | undefined>>,
): Docker.DockerOptions {
  const url = new URL(host);
  switch (url.protocol) {
    case 'unix:':
      return { socketPath: url.pathname };
    case 'tcp:':
    case 'http:':
    case 'https:': {
      const tls = env.DOCKER_TLS_VERIFY === '1' || url.protocol === 'https:';
      const certs = env.DOCKER_CERT_PATH;
      const read = (name: string): Buffer | undefined =>
        certs === undefined ? undefined : readFileSync(join(certs, name));
      return {
        host: url.hostname,
        port: url.port === '' ? (tls ? 2376 : 2375) : url.port,
        protocol: tls ? 'https' : 'http',
        ...(tls && certs !== undefined
          ? { ca: read('ca.pem'), cert: read('cert.pem'), key: read('key.pem') }
          : {}),
      } as Docker.DockerOptions;
    }
    case 'ssh:':
      return {
        protocol: 'ssh',
        host: url.hostname,
        port: url.port === '' ? 22 : url.port,
        ...(url.username === '' ? {} : { username: url.username }),
      };
    default:
      throw new GamewardError(
        'ERR_ENGINE_UNAVAILABLE',
        `DOCKER_HOST ${JSON.stringify(host)} has a scheme gameward cannot reach (unix, tcp, ssh)`,
      );
  }
}

/**
 * What an Engine API failure means for a swarm instance: the manager cannot be reached, or the
 * engine is no manager (`ERR_ENGINE_UNAVAILABLE`), or it refused the request (`ERR_COMPOSE`).
 */
export function toEngineError(host: string, error: unknown): GamewardError {
  if (error instanceof GamewardError) return error;
  const e = error as {
    statusCode?: number;
    code?: string;
    json?: { message?: string };
    message?: string;
    name?: string;
  };
  const detail = e.json?.message ?? e.message ?? String(error);
  if (e.name === 'AbortError' || e.name === 'TimeoutError') {
    return new GamewardError(
      'ERR_ENGINE_UNAVAILABLE',
      `the swarm manager at ${host} did not answer in time`,
      {
        cause: error,
      },
    );
  }
  if (e.statusCode === 503 || /not a swarm manager|not part of a swarm/i.test(detail)) {
    return new GamewardError(
      'ERR_ENGINE_UNAVAILABLE',
      `the Docker engine at ${host} is not a swarm manager (${detail.trim()}): run \`docker swarm init\` there, or point DOCKER_HOST at a manager`,
      { cause: error },
    );
  }
  if (e.statusCode === undefined) {
    return new GamewardError(
      'ERR_ENGINE_UNAVAILABLE',
      `the swarm manager at ${host} cannot be reached (${detail.trim()})`,
      {
        cause: error,
      },
    );
  }
  return new GamewardError(
    'ERR_COMPOSE',
    `the swarm manager at ${host} refused: ${detail.trim()}`,
    { cause: error },
  );
}
