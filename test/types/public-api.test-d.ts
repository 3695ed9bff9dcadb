import { describe, expectTypeOf, it } from 'vitest';
import {
  type CrashedState,
  type ErrorCode,
  fromWire,
  GamewardError,
  type InstanceState,
  isGamewardError,
  type OutputLine,
  type StateLabel,
  type Supervisor,
  stateLabel,
  toWire,
  type WireState,
} from '../../src/index.js';
import { FakeSupervisor } from '../../src/testing/index.js';

describe('public types', () => {
  it('narrows InstanceState on its discriminant', () => {
    const s = fromWire({ state: 'crashed', exit_code: 1 });
    expectTypeOf(s).toEqualTypeOf<InstanceState>();
    if (s.state === 'crashed') {
      expectTypeOf(s).toEqualTypeOf<CrashedState>();
      expectTypeOf(s.exitCode).toEqualTypeOf<number | undefined>();
      expectTypeOf(s.signal).toEqualTypeOf<NodeJS.Signals | undefined>();
    } else {
      // @ts-expect-error only crashed carries an exit code
      s.exitCode;
    }
    expectTypeOf(stateLabel(s)).toEqualTypeOf<StateLabel>();
  });

  it('keeps states readonly', () => {
    const s: CrashedState = { state: 'crashed', exitCode: 1 };
    // @ts-expect-error states are immutable
    s.exitCode = 2;
  });

  it('types the wire codec', () => {
    expectTypeOf(toWire).parameter(0).toEqualTypeOf<InstanceState>();
    expectTypeOf(toWire).returns.toEqualTypeOf<WireState>();
    expectTypeOf(fromWire).parameter(0).toEqualTypeOf<unknown>();
  });

  it('gives GamewardError a stable code union', () => {
    const e = new GamewardError('ERR_TIMEOUT', 'x', { instanceId: 'a' });
    expectTypeOf(e.code).toEqualTypeOf<'ERR_TIMEOUT'>();
    const any: GamewardError = e;
    expectTypeOf(any.code).toEqualTypeOf<ErrorCode>();
    const caught: unknown = e;
    if (isGamewardError(caught, 'ERR_NOT_RUNNING')) {
      expectTypeOf(caught.code).toEqualTypeOf<'ERR_NOT_RUNNING'>();
    }
    expectTypeOf(e).toMatchTypeOf<Error>();
    // @ts-expect-error unknown codes are refused at compile time
    new GamewardError('ERR_NOPE', 'x');
  });

  it('types events and iterators on the Supervisor interface', () => {
    const fake = new FakeSupervisor({ id: 'types' });
    expectTypeOf(fake).toMatchTypeOf<Supervisor>();
    fake.on('state', (next, previous) => {
      expectTypeOf(next).toEqualTypeOf<InstanceState>();
      expectTypeOf(previous).toEqualTypeOf<InstanceState>();
    });
    fake.on('output', (line) => expectTypeOf(line).toEqualTypeOf<OutputLine>());
    fake.on('crash', (d) => expectTypeOf(d.lastLines).toEqualTypeOf<readonly OutputLine[]>());
    // @ts-expect-error no such event
    fake.on('exploded', () => {});
    // @ts-expect-error wrong listener signature
    fake.on('state', (n: number) => n);
    expectTypeOf(fake.states()).toEqualTypeOf<AsyncIterableIterator<InstanceState>>();
    expectTypeOf(fake.waitFor)
      .parameter(0)
      .toEqualTypeOf<StateLabel | ((state: InstanceState) => boolean)>();
    expectTypeOf(fake[Symbol.asyncDispose]).returns.toEqualTypeOf<Promise<void>>();
  });
});

describe('config types under exactOptionalPropertyTypes (issue 10)', () => {
  it('accept undefined for every optional field', () => {
    const loaded: { cwd?: string | undefined; timeout?: number | undefined } = {};
    const config: import('../../src/index.js').ProcessSupervisorConfig = {
      id: 'a',
      cwd: loaded.cwd,
      stopTimeoutMs: loaded.timeout,
      readiness: { pattern: 'ready', timeoutMs: loaded.timeout },
      autoRestart: { maxRestarts: loaded.timeout, enabled: undefined },
      stateDir: undefined,
    };
    expectTypeOf(config.id).toEqualTypeOf<string>();
  });
});
