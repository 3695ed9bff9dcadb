import { homedir, userInfo } from 'node:os';
import { isAbsolute } from 'node:path';
import ssh2 from 'ssh2';
import type { ConfigValidator } from '../config/validate.js';
import { Secret } from './secret.js';

/** How to reach a remote host over SSH: the `host.ssh` option of process and compose instances. */
export interface SshConfig {
  /** Host name or IP address. */
  host: string;
  /** Default 22. */
  port?: number | undefined;
  /** Default: the local user's name, as `ssh` does. */
  user?: string | undefined;
  /** The private key: its text (OpenSSH or PEM) or an absolute path to it (read at each connect). */
  privateKey?: string | Buffer | undefined;
  /** The private key's passphrase, when it has one. */
  passphrase?: string | undefined;
  /** An ssh-agent socket path, or true for `$SSH_AUTH_SOCK`. */
  agent?: string | true | undefined;
  /**
   * Trusted host keys, in known_hosts format: the text, or an absolute path to a file (read at
   * each connect). Default `~/.ssh/known_hosts`. A host not in it is refused, never trusted.
   */
  knownHosts?: string | undefined;
}

/** The `host` option: where an instance runs. Absent: on this machine. */
export interface RemoteHostConfig {
  ssh: SshConfig;
}

/** Text given inline, or a file read when needed (at each connect). */
export type Source<T = string> =
  | { readonly kind: 'file'; readonly path: string }
  | { readonly kind: 'text'; readonly text: T };

/** `SshConfig` validated, defaults applied. Secrets print as `[redacted]`. */
export interface NormalizedSshConfig {
  readonly host: string;
  readonly port: number;
  readonly user: string;
  readonly privateKey: Source<Secret> | undefined;
  readonly passphrase: Secret | undefined;
  readonly agent: string | undefined;
  readonly knownHosts: Source;
  /** `user@host:port`: the one connection all instances of this host share. */
  readonly key: string;
}

const SSH_KEYS = ['host', 'port', 'user', 'privateKey', 'passphrase', 'agent', 'knownHosts'];
const HOST_PATTERN = /^[A-Za-z0-9._:%-]+$/;
const USER_PATTERN = /^[A-Za-z0-9._][A-Za-z0-9._@-]*$/;

/** Validates the `host` option (`{ ssh: {...} }`); `v` names fields `host.ssh.port`... */
export function normalizeRemoteHost(value: unknown, v: ConfigValidator): NormalizedSshConfig {
  const record = v.object('host', value);
  const nested = v.nested('host');
  nested.knownKeys(record, ['ssh']);
  return normalizeSshConfig(record.ssh, nested);
}

/** Configs made by {@link normalizeSshConfig}: passing one back (a supervisor's `config`) is fine. */
const normalized = new WeakSet<object>();

/**
 * A `ConfigTable` field for the `host` option: undefined (local) or a remote host. An already
 * normalised host (from another supervisor's `config.host`) is taken as it is.
 */
export function hostField(value: unknown, v: ConfigValidator): NormalizedSshConfig | undefined {
  if (value === undefined) return undefined;
  if (typeof value === 'object' && value !== null && normalized.has(value)) {
    return value as NormalizedSshConfig;
  }
  return normalizeRemoteHost(value, v);
}

/** Validates `ssh` ({@link SshConfig}); messages name `<prefix>ssh.<field>` and the value. */
export function normalizeSshConfig(value: unknown, parent: ConfigValidator): NormalizedSshConfig {
  const record = parent.object('ssh', value);
  const v = parent.nested('ssh');
  v.knownKeys(record, SSH_KEYS);
  const host = v.string('host', record.host, { nonEmpty: true });
  if (!HOST_PATTERN.test(host)) v.fail('host', 'a host name or IP address', host);
  const port = record.port === undefined ? 22 : v.integer('port', record.port, 1, 65_535);
  const user = record.user === undefined ? localUser() : v.string('user', record.user);
  if (!USER_PATTERN.test(user)) v.fail('user', 'a user name', user);
  const passphrase = normalizePassphrase(record.passphrase, v);
  const privateKey = normalizeKey(record.privateKey, passphrase, v);
  const agent = normalizeAgent(record.agent, v);
  if (privateKey === undefined && agent === undefined) {
    v.fail(
      'privateKey',
      'a private key (its text or an absolute path), or `agent` to be set',
      undefined,
    );
  }
  const knownHosts = normalizeKnownHosts(record.knownHosts, v);
  const bracketed = host.includes(':') ? `[${host}]` : host;
  const result: NormalizedSshConfig = Object.freeze({
    host,
    port,
    user,
    privateKey,
    passphrase,
    agent,
    knownHosts,
    key: `${user}@${bracketed}:${port}`,
  });
  normalized.add(result);
  return result;
}

function normalizePassphrase(value: unknown, v: ConfigValidator): Secret | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || value.includes('\0')) {
    v.fail('passphrase', 'a string without NUL bytes', redact(value));
  }
  return new Secret(value);
}

function normalizeKey(
  value: unknown,
  passphrase: Secret | undefined,
  v: ConfigValidator,
): Source<Secret> | undefined {
  if (value === undefined) return undefined;
  const text = Buffer.isBuffer(value) ? value.toString('utf8') : value;
  if (typeof text !== 'string') return v.fail('privateKey', 'a string or Buffer', value);
  if (!text.includes('-----BEGIN')) {
    if (!isAbsolute(text) || text.includes('\n')) {
      // Never echo what may be key material: only its length.
      v.fail('privateKey', 'private key text (-----BEGIN ...) or an absolute path', redact(text));
    }
    return Object.freeze({ kind: 'file', path: v.string('privateKey', text) });
  }
  const secret = new Secret(text);
  const problem = parseProblem(secret, passphrase);
  if (problem !== undefined)
    v.fail('privateKey', `a usable private key (${problem})`, redact(text));
  return Object.freeze({ kind: 'text', text: secret });
}

/** Why ssh2 cannot use this key (its messages are fixed strings, never key bytes), or undefined. */
export function parseProblem(key: Secret, passphrase: Secret | undefined): string | undefined {
  const parsed = ssh2.utils.parseKey(key.reveal(), passphrase?.reveal());
  if (parsed instanceof Error) return parsed.message;
  const first = Array.isArray(parsed) ? parsed[0] : parsed;
  if (first === undefined || !first.isPrivateKey()) return 'not a private key';
  return undefined;
}

function normalizeAgent(value: unknown, v: ConfigValidator): string | undefined {
  if (value === undefined) return undefined;
  if (value === true) {
    const socket = process.env.SSH_AUTH_SOCK;
    if (socket === undefined || socket === '')
      v.fail('agent', 'a socket path (true needs $SSH_AUTH_SOCK, which is unset)', value);
    return socket;
  }
  const path = v.string('agent', value, { nonEmpty: true });
  if (!isAbsolute(path)) v.fail('agent', 'an absolute socket path or true', value);
  return path;
}

function normalizeKnownHosts(value: unknown, v: ConfigValidator): Source {
  if (value === undefined)
    return Object.freeze({ kind: 'file', path: `${homedir()}/.ssh/known_hosts` });
  const text = v.string('knownHosts', value, { nonEmpty: true });
  if (text.startsWith('~/') && !text.includes('\n')) {
    return Object.freeze({ kind: 'file', path: `${homedir()}${text.slice(1)}` });
  }
  // known_hosts lines begin with a host, `[`, `|` or `@`: never with `/`.
  if (isAbsolute(text) && !text.includes('\n')) return Object.freeze({ kind: 'file', path: text });
  return Object.freeze({ kind: 'text', text });
}

function localUser(): string {
  try {
    return userInfo().username;
  } catch {
    return process.env.USER ?? 'root';
  }
}

/** What an error message may say about a secret: its length, never its bytes. */
function redact(value: unknown): string {
  return typeof value === 'string'
    ? `<${value.length} characters, not shown>`
    : `<${typeof value}, not shown>`;
}
