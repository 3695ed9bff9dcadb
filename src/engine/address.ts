import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** The default engine socket when no `DOCKER_HOST` is set (what the docker CLI uses). */
export const DEFAULT_ENGINE_SOCKET = '/var/run/docker.sock';

/** Where an engine listens, read from `DOCKER_HOST` and the TLS variables, as the docker CLI does. */
export interface EngineAddress {
  /** One string per distinct engine: the key that shares a client between instances. */
  readonly key: string;
  /** What to show in messages: the `DOCKER_HOST` value, or the default socket. */
  readonly display: string;
  /** docker-modem's options for this engine; every connection key is set, so none leaks from `process.env`. */
  readonly modem: Readonly<Record<string, unknown>>;
}

/**
 * Reads the engine address from `env` (the instance's environment merged over the host's):
 * `unix://` (or none: the default socket), `tcp://` (TLS when `DOCKER_TLS_VERIFY=1`, port 2376
 * or `DOCKER_CERT_PATH` is set) and `ssh://user@host[:port]` (through the ssh agent). Throws an
 * Error with a readable message for an address it cannot use; the caller codes it.
 */
export function parseEngineAddress(
  env: Readonly<Record<string, string | undefined>>,
): EngineAddress {
  const host = env.DOCKER_HOST?.trim() ?? '';
  const none = { host: undefined, port: undefined, socketPath: undefined, protocol: undefined };
  if (host === '' || host.startsWith('unix://')) {
    const socketPath = host.slice('unix://'.length) || DEFAULT_ENGINE_SOCKET;
    return {
      key: `unix://${socketPath}`,
      display: host === '' ? `unix://${socketPath} (default)` : host,
      modem: { ...none, socketPath },
    };
  }
  const url = new URL(host.includes('//') ? host : `tcp://${host}`);
  if (url.protocol === 'ssh:') {
    const port = url.port === '' ? 22 : Number(url.port);
    return {
      key: `ssh://${url.username}@${url.hostname}:${port}`,
      display: host,
      modem: {
        ...none,
        protocol: 'ssh',
        host: url.hostname,
        port,
        username: url.username || undefined,
        sshOptions: { agent: env.SSH_AUTH_SOCK },
      },
    };
  }
  if (url.protocol !== 'tcp:' && url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new Error(`unsupported DOCKER_HOST scheme ${JSON.stringify(url.protocol)}`);
  }
  const certPath = env.DOCKER_CERT_PATH;
  const tls =
    url.protocol === 'https:' ||
    env.DOCKER_TLS_VERIFY === '1' ||
    url.port === '2376' ||
    (certPath !== undefined && certPath !== '');
  const port = url.port === '' ? (tls ? 2376 : 2375) : Number(url.port);
  const certs =
    tls && certPath !== undefined && certPath !== ''
      ? {
          ca: readFileSync(join(certPath, 'ca.pem')),
          cert: readFileSync(join(certPath, 'cert.pem')),
          key: readFileSync(join(certPath, 'key.pem')),
        }
      : {};
  return {
    key: `${tls ? 'https' : 'http'}://${url.hostname}:${port}${tls ? `#${certPath ?? ''}` : ''}`,
    display: host,
    modem: { ...none, protocol: tls ? 'https' : 'http', host: url.hostname, port, ...certs },
  };
}
