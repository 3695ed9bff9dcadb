import { describe, expect, it } from 'vitest';
import {
  canTransition,
  crashed,
  type InstanceState,
  States,
  stateLabel,
  stateLabels,
  transitions,
} from '../../src/index.js';
import { assertTransition } from '../../src/state/transitions.js';

const sample: Record<string, InstanceState> = {
  unmanaged: States.unmanaged,
  stopped: States.stopped,
  starting: States.starting,
  running: States.running,
  stopping: States.stopping,
  crashed: crashed({ exitCode: 1 }),
};

describe('the transition table', () => {
  it('covers every label', () => {
    expect(Object.keys(transitions).sort()).toEqual([...stateLabels].sort());
  });

  it('keeps unmanaged terminal', () => {
    for (const label of stateLabels) {
      expect(canTransition(States.unmanaged, sample[label] as InstanceState)).toBe(false);
    }
  });

  it('follows the documented lifecycle', () => {
    expect(canTransition(States.stopped, States.starting)).toBe(true);
    expect(canTransition(States.starting, States.running)).toBe(true);
    expect(canTransition(States.running, States.stopping)).toBe(true);
    expect(canTransition(States.stopping, States.stopped)).toBe(true);
    expect(canTransition(States.running, crashed({ exitCode: 1 }))).toBe(true);
    expect(canTransition(crashed(), States.starting)).toBe(true);
  });

  it('refuses shortcuts that would hide a step', () => {
    expect(canTransition(States.running, States.stopped)).toBe(false);
    expect(canTransition(States.stopped, States.stopping)).toBe(false);
    expect(canTransition(States.running, States.starting)).toBe(false);
    expect(canTransition(States.stopping, States.running)).toBe(false);
  });

  it('never allows a state to follow an identical one', () => {
    for (const label of stateLabels) {
      const s = sample[label] as InstanceState;
      expect(canTransition(s, s)).toBe(false);
    }
    expect(canTransition(crashed({ exitCode: 1 }), crashed({ exitCode: 1 }))).toBe(false);
    expect(
      canTransition(crashed({ exitCode: 1 }), crashed({ exitCode: 137, signal: 'SIGKILL' })),
    ).toBe(true);
  });

  it('throws ERR_INVALID_STATE naming the instance on an illegal transition', () => {
    expect(() => assertTransition(States.running, States.stopped, 'rust-1')).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_STATE', instanceId: 'rust-1' }),
    );
    expect(() => assertTransition(States.running, States.stopped, 'rust-1')).toThrow(
      /"rust-1".*running -> stopped/,
    );
  });

  it('labels states', () => {
    expect(stateLabel(crashed({ exitCode: 2 }))).toBe('crashed');
    expect(stateLabel(States.running)).toBe('running');
  });
});
