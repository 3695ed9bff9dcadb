import { lifecycleSettings, normalizeConfig, type SupervisorOptions } from '../core/settings.js';
import { SupervisorCore } from '../core/supervisor-core.js';
import { safeLogger } from '../logger.js';
import { type NormalizedSwarmConfig, type SwarmSupervisorConfig, swarmTable } from './options.js';
import { SwarmPlane } from './swarm-plane.js';

/**
 * A Docker Swarm stack as one instance, its replicas on whichever nodes the swarm picks.
 * `start()` deploys it (`docker stack deploy --resolve-image never`) and resolves once every
 * selected service has its desired replicas running (healthy where a healthcheck exists);
 * `stop()` removes it (`docker stack rm`, volumes kept) and resolves once no task of it runs on
 * any node. State comes from the manager's task list, read by one shared poller per manager.
 * Services have no stdin: `send()` rejects `ERR_UNSUPPORTED`. See docs/swarm.md.
 */
export class SwarmSupervisor extends SupervisorCore<SwarmPlane> {
  readonly kind = 'swarm' as const;
  /** The validated config, defaults applied. */
  readonly config: NormalizedSwarmConfig;

  constructor(config: SwarmSupervisorConfig, options: SupervisorOptions = {}) {
    const normalized = normalizeConfig(config, swarmTable, 'swarm');
    super(
      new SwarmPlane(normalized, safeLogger(options.logger)),
      lifecycleSettings(normalized),
      options,
    );
    this.config = normalized;
  }
}
