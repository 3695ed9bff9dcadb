import { readFileSync } from 'node:fs';
import { ConfigValidator } from '../../src/config/validate.js';
import {
  type NormalizedSshConfig,
  normalizeSshConfig,
  type SshConfig,
} from '../../src/remote/options.js';
import { SshLinks } from '../../src/remote/ssh-links.js';

/** Where scripts/setup-sshd.sh keeps its keys, and the endpoint it starts. */
export const SSH_DIR = process.env.GAMEWARD_SSH_DIR ?? '/var/lib/gameward-test-ssh';
export const SSH_HOST = '10.201.0.2';
export const SSH_PORT = 2222;
export const NETNS = '/var/run/netns/gwnode2';
export const KEY = `${SSH_DIR}/id_ed25519`;
export const KEY_WITH_PASSPHRASE = `${SSH_DIR}/id_ed25519_pass`;
export const PASSPHRASE_FILE = `${SSH_DIR}/passphrase`;
export const KNOWN_HOSTS = `${SSH_DIR}/known_hosts`;

/** The `ssh` part of a `host` option that reaches the test sshd. */
export const SSH = Object.freeze({
  host: SSH_HOST,
  port: SSH_PORT,
  user: 'root',
  privateKey: KEY,
  knownHosts: KNOWN_HOSTS,
});

/**
 * Links tuned for fault tests: a lost link is noticed within about 0.6 s (keepalive 300 ms × 2),
 * retried every 100–400 ms, and a call waits `linkWaitMs` for it.
 */
export function quickLinks(linkWaitMs = 1500): SshLinks {
  return new SshLinks({
    connectTimeoutMs: 1500,
    keepaliveIntervalMs: 300,
    keepaliveCountMax: 2,
    backoffInitialMs: 100,
    backoffMaxMs: 400,
    linkWaitMs,
  });
}

/** A normalised config for the test sshd; `overrides` replace fields. */
export function sshConfig(overrides: Partial<SshConfig> = {}): NormalizedSshConfig {
  return normalizeSshConfig(
    {
      host: SSH_HOST,
      port: SSH_PORT,
      user: 'root',
      privateKey: KEY,
      knownHosts: KNOWN_HOSTS,
      ...overrides,
    },
    new ConfigValidator('remote-test'),
  );
}

/** The passphrase of {@link KEY_WITH_PASSPHRASE}. */
export function passphrase(): string {
  return readFileSync(PASSPHRASE_FILE, 'utf8').trim();
}
