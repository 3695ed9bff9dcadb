import { type Engine, engineFor } from '../engine/registry.js';
import type { LinkStatus } from '../remote/ssh-link.js';
import type { NormalizedComposeConfig } from './options.js';
import { type ComposeRunner, LocalComposeRunner } from './runner.js';

/**
 * Where a stack lives: the engine it is observed through and the place its compose commands
 * run. This machine ({@link localSite}), or a remote host over SSH (src/remote/compose).
 */
export interface ComposeSite {
  /** The engine's client and events hub. A remote site connects on first use, not before. */
  readonly engine: Engine;
  readonly runner: ComposeRunner;
  /** The connection to a remote host; absent here. */
  readonly link?: LinkStatus | undefined;
  /** Tells `listener` of every change of {@link link} (a remote site only). */
  onLink?(listener: (status: LinkStatus) => void): void;
  /** Gives up what the site holds (a remote host's link lease). Idempotent. */
  release(): Promise<void>;
}

/** This machine: the engine of `DOCKER_HOST` (merged env), the docker CLI through execa. */
export function localSite(config: NormalizedComposeConfig): ComposeSite {
  const env = { ...process.env, ...config.env };
  return {
    engine: engineFor(env),
    runner: new LocalComposeRunner(config.docker, config.cwd, env),
    release: () => Promise.resolve(),
  };
}
