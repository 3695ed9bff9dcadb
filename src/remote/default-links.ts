import { SshLinks } from './ssh-links.js';

let shared: SshLinks | undefined;

/**
 * The {@link SshLinks} remote instances use unless told otherwise: one per host process, so
 * every instance on a remote host shares one connection.
 */
export function defaultSshLinks(): SshLinks {
  shared ??= new SshLinks();
  return shared;
}

/**
 * Replaces the shared {@link SshLinks} (with other timeouts, or a logger) for instances created
 * from now on. The previous one is left to its owner to close.
 */
export function setDefaultSshLinks(links: SshLinks): void {
  shared = links;
}
