export type { ExecResult, RemoteStream, StreamExit } from './channels.js';
export { fingerprint, knownHostName, parseKnownHosts, verifyHostKey } from './known-hosts.js';
export type { LinkDownReason } from './link-errors.js';
export {
  hostField,
  type NormalizedSshConfig,
  normalizeRemoteHost,
  normalizeSshConfig,
  type RemoteHostConfig,
  type SshConfig,
} from './options.js';
export { quoteShellArg, shellCommand } from './quote.js';
export { Secret } from './secret.js';
export { type ExecOptions, type LinkEvents, type LinkStatus, SshLink } from './ssh-link.js';
export { type SshLease, SshLinks, type SshLinksOptions } from './ssh-links.js';
