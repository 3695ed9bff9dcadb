import { readFile } from 'node:fs/promises';
import { Client, type ConnectConfig, type ServerHostKeyAlgorithm } from 'ssh2';
import {
  fingerprint,
  type HostKeyVerdict,
  keyTypeOf,
  knownHostName,
  knownKeyAlgorithms,
  parseKnownHosts,
  verifyHostKey,
} from './known-hosts.js';
import {
  authFailure,
  classifyConnectError,
  hostKeyFailure,
  type LinkFailure,
  linkDown,
} from './link-errors.js';
import { type NormalizedSshConfig, parseProblem } from './options.js';
import { Secret } from './secret.js';

/** Connection tuning shared by every link of an {@link SshLinks}. */
export interface ConnectTuning {
  /** Bounds TCP connect + handshake + auth. */
  readonly connectTimeoutMs: number;
  /** SSH keepalive period; a black-holed link is noticed after `interval * (countMax + 1)`. */
  readonly keepaliveIntervalMs: number;
  readonly keepaliveCountMax: number;
}

/** Host key algorithms ssh2 can verify, in OpenSSH's order of preference. */
const SSH2_HOST_KEY_ALGORITHMS = [
  'ssh-ed25519',
  'ecdsa-sha2-nistp256',
  'ecdsa-sha2-nistp384',
  'ecdsa-sha2-nistp521',
  'rsa-sha2-512',
  'rsa-sha2-256',
  'ssh-rsa',
];

/**
 * Opens one authenticated ssh2 connection, or rejects with a {@link LinkFailure} (never a bare
 * Error). Key and known_hosts files are read anew on each call, so a rotated key or an edited
 * known_hosts applies at the next reconnect. `signal` aborts the attempt and leaves no socket.
 */
export async function openClient(
  config: NormalizedSshConfig,
  tuning: ConnectTuning,
  signal: AbortSignal,
): Promise<Client> {
  const name = knownHostName(config.host, config.port);
  const knownHosts = parseKnownHosts(await readKnownHosts(config));
  const privateKey = await readPrivateKey(config);
  const offered = knownKeyAlgorithms(knownHosts, config.host, config.port)?.filter((a) =>
    SSH2_HOST_KEY_ALGORITHMS.includes(a),
  ) as ServerHostKeyAlgorithm[] | undefined;
  let rejected: { verdict: Exclude<HostKeyVerdict, { kind: 'trusted' }>; key: Buffer } | undefined;
  const options: ConnectConfig = {
    host: config.host,
    port: config.port,
    username: config.user,
    readyTimeout: tuning.connectTimeoutMs,
    keepaliveInterval: tuning.keepaliveIntervalMs,
    keepaliveCountMax: tuning.keepaliveCountMax,
    hostVerifier: (key: Buffer): boolean => {
      const verdict = verifyHostKey(knownHosts, config.host, config.port, key);
      if (verdict.kind === 'trusted') return true;
      rejected = { verdict, key };
      return false;
    },
    ...(offered !== undefined && offered.length > 0
      ? { algorithms: { serverHostKey: offered } }
      : {}),
    ...(privateKey === undefined ? {} : { privateKey: privateKey.reveal() }),
    ...(config.passphrase === undefined ? {} : { passphrase: config.passphrase.reveal() }),
    ...(config.agent === undefined ? {} : { agent: config.agent }),
  };
  const client = new Client();
  return new Promise<Client>((resolve, reject) => {
    let settled = false;
    const settle = (failure: LinkFailure | undefined): void => {
      if (settled) return;
      settled = true;
      signal.removeEventListener('abort', onAbort);
      if (failure === undefined) {
        resolve(client);
        return;
      }
      client.destroy();
      reject(failure);
    };
    const onAbort = (): void => settle(linkDown(config.key, 'unreachable', 'connect aborted'));
    client.on('ready', () => settle(undefined));
    // ssh2 emits 'error' without a listener as an uncaught exception: keep one for good.
    client.on('error', (error) => {
      if (rejected !== undefined) {
        const key = `${keyTypeOf(rejected.key)} ${fingerprint(rejected.key)}`;
        settle(hostKeyFailure(config.key, name, rejected.verdict, key));
      } else {
        settle(classifyConnectError(config.key, error));
      }
    });
    client.on('close', () =>
      settle(linkDown(config.key, 'unreachable', 'closed during handshake')),
    );
    if (signal.aborted) {
      onAbort();
      return;
    }
    signal.addEventListener('abort', onAbort, { once: true });
    try {
      client.connect(options);
    } catch (error) {
      settle(classifyConnectError(config.key, error));
    }
  });
}

async function readKnownHosts(config: NormalizedSshConfig): Promise<string> {
  if (config.knownHosts.kind === 'text') return config.knownHosts.text;
  try {
    return await readFile(config.knownHosts.path, 'utf8');
  } catch (error) {
    // A missing file trusts nobody: every host is then unknown, as with OpenSSH.
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return '';
    throw authFailure(config.key, `cannot read known_hosts ${config.knownHosts.path}`, error);
  }
}

async function readPrivateKey(config: NormalizedSshConfig): Promise<Secret | undefined> {
  const source = config.privateKey;
  if (source === undefined) return undefined;
  if (source.kind === 'text') return source.text;
  let secret: Secret;
  try {
    secret = new Secret(await readFile(source.path));
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'error';
    throw authFailure(config.key, `cannot read the private key ${source.path}: ${code}`);
  }
  const problem = parseProblem(secret, config.passphrase);
  if (problem !== undefined) {
    throw authFailure(config.key, `the private key ${source.path} is not usable: ${problem}`);
  }
  return secret;
}
