import type { Plane } from '../core/plane.js';
import { lifecycleSettings, type SupervisorOptions } from '../core/settings.js';
import { SupervisorCore } from '../core/supervisor-core.js';
import { safeLogger } from '../logger.js';
import { RemoteProcessPlane } from '../remote/process/remote-process-plane.js';
import { States } from '../state/instance-state.js';
import {
  type NormalizedProcessConfig,
  normalizeProcessConfig,
  type ProcessSupervisorConfig,
} from './options.js';
import { ProcessPlane } from './process-plane.js';

/** A local or remote process plane, as the public types see it (no transport types leak). */
type PlaneWithPid = Plane & { readonly pid: number | undefined };

/**
 * Supervises one game server as a local process tree: start (with an optional readiness line),
 * console in and out, the stop ladder (command, signal, SIGKILL) over the whole tree, crash
 * detection from the child's exit event, and automatic restarts under a crash-loop guard.
 * The lifecycle rules are the core's (`SupervisorCore`); this class only wires the plane.
 */
export class ProcessSupervisor extends SupervisorCore<PlaneWithPid> {
  readonly kind = 'process' as const;
  /** The validated config, defaults applied. */
  readonly config: NormalizedProcessConfig;

  constructor(config: ProcessSupervisorConfig, options: SupervisorOptions = {}) {
    const normalized = normalizeProcessConfig(config);
    const logger = safeLogger(options.logger);
    const plane =
      normalized.host === undefined
        ? new ProcessPlane(normalized, logger)
        : new RemoteProcessPlane(normalized, normalized.host, logger);
    super(plane, lifecycleSettings(normalized), {
      ...options,
      initial: normalized.executable === undefined ? States.unmanaged : States.stopped,
    });
    this.config = normalized;
  }

  /** The server's pid; undefined when nothing runs. */
  get pid(): number | undefined {
    return this.plane.pid;
  }
}
