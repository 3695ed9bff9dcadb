import { lifecycleSettings, type SupervisorOptions } from '../core/settings.js';
import { SupervisorCore } from '../core/supervisor-core.js';
import { safeLogger } from '../logger.js';
import { RemoteComposeSite } from '../remote/compose/remote-site.js';
import { ComposePlane, checkEngineAddress } from './compose-plane.js';
import {
  type ComposeSupervisorConfig,
  type NormalizedComposeConfig,
  normalizeComposeConfig,
} from './options.js';

/**
 * A docker-compose stack as one instance. Its state comes from the selected services'
 * containers, observed through the Engine API (one events stream per engine, shared by every
 * instance on it; no process held per stack); lifecycle goes through the compose CLI, bounded
 * and cancellable. The core decides states, readiness, crashes and the crash policy. See
 * docs/compose.md.
 */
export class ComposeSupervisor extends SupervisorCore<ComposePlane> {
  readonly kind = 'compose' as const;
  /** The validated config, defaults applied. */
  readonly config: NormalizedComposeConfig;

  constructor(config: ComposeSupervisorConfig, options: SupervisorOptions = {}) {
    const normalized = normalizeComposeConfig(config);
    const logger = safeLogger(options.logger);
    const site =
      normalized.host === undefined
        ? undefined
        : new RemoteComposeSite(normalized, normalized.host, logger);
    if (site === undefined) checkEngineAddress(normalized);
    super(new ComposePlane(normalized, logger, site), lifecycleSettings(normalized), options);
    this.config = normalized;
  }

  /**
   * Pids of the processes this instance holds while idle: none. Observation goes through the
   * Engine API (sockets, not processes); compose commands run only while a call is under way.
   */
  get childPids(): number[] {
    return [];
  }
}
