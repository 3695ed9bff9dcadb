import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { StateLabel, Supervisor } from '../../src/index.js';
import { TMP } from './runner.js';
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

/**
 * A fresh `stateDir` for kept instances (the server runs under a keeper), under bench/.tmp so
 * the runner's cleanup finds it; short, so the keeper's FIFO paths stay short too.
 */
export function stateDir(name: string): string {
  const dir = join(TMP, 'state', `${name}-${process.pid}`);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  return dir;
}

/** Removes a `stateDir` made by {@link stateDir} (its servers are stopped by then). */
export function removeStateDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}
