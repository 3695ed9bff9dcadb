import type { StateLabel, Supervisor } from '../../src/index.js';
import { now } from './scenario.js';

/** Resolves with the time (performance.now) of the next `state` event reaching `label`. */
export function stateReached(supervisor: Supervisor, label: StateLabel): Promise<number> {
  return new Promise((resolve) => {
    const listener = (next: { state: StateLabel }): void => {
      if (next.state !== label) return;
      const at = now();
      supervisor.off('state', listener);
      resolve(at);
    };
    supervisor.on('state', listener);
  });
}
