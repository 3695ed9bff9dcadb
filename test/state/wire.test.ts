import { describe, expect, it } from 'vitest';
import { crashed, fromWire, GamewardError, States, toWire } from '../../src/index.js';

describe('toWire', () => {
  it.each([
    [States.unmanaged, '{"state":"unmanaged"}'],
    [States.stopped, '{"state":"stopped"}'],
    [States.starting, '{"state":"starting"}'],
    [States.running, '{"state":"running"}'],
    [States.stopping, '{"state":"stopping"}'],
    [crashed({ exitCode: 3 }), '{"state":"crashed","exit_code":3}'],
    [crashed({ exitCode: -1 }), '{"state":"crashed","exit_code":-1}'],
    [crashed(), '{"state":"crashed"}'],
    [crashed({ signal: 'SIGKILL' }), '{"state":"crashed","signal":"SIGKILL"}'],
    [
      crashed({ exitCode: 0, signal: 'SIGTERM' }),
      '{"state":"crashed","exit_code":0,"signal":"SIGTERM"}',
    ],
  ])('serialises %o byte-for-byte as the Rust agent does', (state, json) => {
    expect(JSON.stringify(toWire(state))).toBe(json);
  });

  it('never writes undefined keys, even from a hand-built state', () => {
    expect(JSON.stringify(toWire({ state: 'crashed' }))).toBe('{"state":"crashed"}');
  });
});

describe('fromWire', () => {
  it.each([
    '{"state":"unmanaged"}',
    '{"state":"stopped"}',
    '{"state":"starting"}',
    '{"state":"running"}',
    '{"state":"stopping"}',
    '{"state":"crashed","exit_code":3}',
    '{"state":"crashed"}',
    '{"state":"crashed","exit_code":137,"signal":"SIGKILL"}',
  ])('round-trips %s', (json) => {
    expect(JSON.stringify(toWire(fromWire(JSON.parse(json))))).toBe(json);
  });

  it('reads exit codes and signals into the union', () => {
    expect(fromWire({ state: 'crashed', exit_code: 5, signal: 'SIGSEGV' })).toEqual({
      state: 'crashed',
      exitCode: 5,
      signal: 'SIGSEGV',
    });
    expect(fromWire({ state: 'crashed', exit_code: null })).toEqual({ state: 'crashed' });
    // Found by the fuzz test: -0 (a JS value, never JSON text) is exit code 0.
    expect(fromWire({ state: 'crashed', exit_code: -0 })).toEqual({
      state: 'crashed',
      exitCode: 0,
    });
  });

  it('ignores unknown keys, as serde does (heartbeats carry more fields)', () => {
    expect(fromWire({ state: 'running', uptime_seconds: 12 })).toEqual({ state: 'running' });
  });

  it.each([
    null,
    undefined,
    42,
    'running',
    '{"state":"running"}',
    [],
    [{ state: 'running' }],
    {},
    { state: 'RUNNING' },
    { state: 'paused' },
    { state: 7 },
    { state: 'crashed', exit_code: 1.5 },
    { state: 'crashed', exit_code: '3' },
    { state: 'crashed', exit_code: 2 ** 31 },
    { state: 'crashed', exit_code: Number.NaN },
    { state: 'crashed', signal: 'SIGNOPE' },
    { state: 'crashed', signal: 9 },
  ])('refuses %o with ERR_INVALID_STATE', (value) => {
    let caught: unknown;
    try {
      fromWire(value);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(GamewardError);
    expect((caught as GamewardError).code).toBe('ERR_INVALID_STATE');
  });

  it('names the field and the value in its message', () => {
    expect(() => fromWire({ state: 'crashed', exit_code: 1.5 })).toThrow(
      /`exit_code`.*`1\.5` \(number\)/,
    );
    expect(() => fromWire({ state: 'paused' })).toThrow(/`state`.*"paused"/);
  });
});
