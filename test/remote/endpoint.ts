import { readFileSync } from 'node:fs';
import { ConfigValidator } from '../../src/config/validate.js';
import {
  type NormalizedSshConfig,
  normalizeSshConfig,
  type SshConfig,
} from '../../src/remote/options.js';

/** Where scripts/setup-sshd.sh keeps its keys, and the endpoint it starts. */
export const SSH_DIR = process.env.GAMEWARD_SSH_DIR ?? '/var/lib/gameward-test-ssh';
export const SSH_HOST = '10.201.0.2';
export const SSH_PORT = 2222;
export const NETNS = '/var/run/netns/gwnode2';
export const KEY = `${SSH_DIR}/id_ed25519`;
export const KEY_WITH_PASSPHRASE = `${SSH_DIR}/id_ed25519_pass`;
export const PASSPHRASE_FILE = `${SSH_DIR}/passphrase`;
export const KNOWN_HOSTS = `${SSH_DIR}/known_hosts`;

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
