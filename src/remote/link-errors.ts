import { GamewardError } from '../errors.js';
import type { HostKeyVerdict } from './known-hosts.js';

/**
 * Why a link is down:
 * - `connecting`: the first connect is under way;
 * - `unreachable`: a connect failed (refused, no route, timeout, DNS); retried with backoff;
 * - `lost`: the link was up and ended (reset, keepalive timeout, sshd gone); retried at once,
 *   then with backoff;
 * - `auth`: the server refused the credentials, or the key cannot be read; not retried;
 * - `host-key`: the host key is unknown, changed or revoked; not retried;
 * - `closed`: closed by its owner; final.
 */
export type LinkDownReason = 'connecting' | 'unreachable' | 'lost' | 'auth' | 'host-key' | 'closed';

/** Reasons that retrying cannot fix: the link waits for {@link SshLink.reconnect}. */
export function isFatalReason(reason: LinkDownReason): boolean {
  return reason === 'auth' || reason === 'host-key' || reason === 'closed';
}

/** A connect failure with its link reason. */
export interface LinkFailure {
  readonly reason: LinkDownReason;
  readonly error: GamewardError;
}

/** The host key was not trusted. `ERR_INVALID_CONFIG`: `knownHosts` must vouch for the host. */
export function hostKeyFailure(
  target: string,
  name: string,
  verdict: Exclude<HostKeyVerdict, { kind: 'trusted' }>,
  offered: string,
): LinkFailure {
  const why =
    verdict.kind === 'unknown'
      ? `unknown host: known_hosts has no line for ${name}`
      : verdict.kind === 'changed'
        ? `CHANGED host key: known_hosts holds another key for ${name} (a reinstalled host, or someone in the middle)`
        : 'a REVOKED key';
  return {
    reason: 'host-key',
    error: new GamewardError(
      'ERR_INVALID_CONFIG',
      `expected \`host.ssh.knownHosts\` to trust the host key of ${target}, got ${offered} (${why})`,
    ),
  };
}

/** The credentials were refused or unusable. `ERR_INVALID_CONFIG`: not retried. */
export function authFailure(target: string, detail: string, cause?: unknown): LinkFailure {
  return {
    reason: 'auth',
    error: new GamewardError(
      'ERR_INVALID_CONFIG',
      `expected \`host.ssh.privateKey\`/\`agent\` to log in to ${target}, got a refusal (${detail})`,
      { cause },
    ),
  };
}

/** The remote host cannot be reached, or the link broke. `ERR_ENGINE_UNAVAILABLE`: retried. */
export function linkDown(
  target: string,
  reason: 'unreachable' | 'lost',
  detail: string,
  cause?: unknown,
): LinkFailure {
  return {
    reason,
    error: new GamewardError(
      'ERR_ENGINE_UNAVAILABLE',
      `SSH link ${target} is down (${reason}: ${detail})`,
      { cause },
    ),
  };
}

/** The link was closed by its owner: every later call gets this. */
export function linkClosed(target: string): GamewardError {
  return new GamewardError('ERR_DISPOSED', `SSH link ${target} is closed`);
}

/** Sorts an ssh2 connect error by its `level` into a link reason. */
export function classifyConnectError(target: string, error: unknown): LinkFailure {
  const level = (error as { level?: unknown } | undefined)?.level;
  const message = error instanceof Error ? error.message : String(error);
  if (level === 'client-authentication' || level === 'agent') {
    return authFailure(target, message, error);
  }
  return linkDown(target, 'unreachable', message, error);
}

/**
 * A link's error (it names the link: links are shared) re-thrown for one instance: same code,
 * same message, the instance's id, the link's error as `cause`. Aborts and others pass as they are.
 */
export function forInstance(error: unknown, instanceId: string): unknown {
  if (!(error instanceof GamewardError) || error.code === 'ERR_ABORTED') return error;
  return new GamewardError(error.code, error.message, { instanceId, cause: error });
}
