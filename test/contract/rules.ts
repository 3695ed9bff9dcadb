import { once } from 'node:events';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { isGamewardError } from '../../src/errors.js';
import type { InstanceState } from '../../src/state/instance-state.js';
import { canTransition } from '../../src/state/transitions.js';
import type { Supervisor, SupervisorEvents } from '../../src/supervisor.js';
import type { ContractOptions, PlaneUnderTest } from './planes.js';

/** How one plane's contract run is set up. */
export interface ContractRun {
  /** Per-test timeout (a swarm start and stop take seconds). */
  readonly timeoutMs?: number;
  /** Before the plane's first test, when it is available (files to put on a remote host). */
  readonly beforeAll?: () => Promise<void>;
  /** After the plane's last test: what must be gone is gone. */
  readonly afterAll?: () => Promise<void>;
}

/**
 * The rules every plane keeps: the core decides them once, so a plane that breaks one has
 * reported a wrong fact. A plane that cannot run here is skipped loudly (or fails the run when CI
 * requires it: see each plane's `unavailable`). `contract.test.ts` runs it over the planes that
 * can share a machine; planes whose tests must not overlap others (the swarm) call it from their
 * own sequential file.
 */
export function contractSuite(plane: PlaneUnderTest, run: ContractRun = {}): void {
  describe(`contract: ${plane.name}`, { timeout: run.timeoutMs ?? 30_000 }, () => {
    contractRules(plane, run);
  });
}

function contractRules(plane: PlaneUnderTest, run: ContractRun): void {
  let reason: string | undefined;
  const open: Supervisor[] = [];
  let counter = 0;

  beforeAll(async () => {
    reason = await plane.unavailable();
    if (reason !== undefined) console.warn(`contract: ${plane.name} skipped: ${reason}`);
    else await run.beforeAll?.();
  });

  afterEach(async () => {
    await Promise.allSettled(open.splice(0).map((s) => s.close()));
  });

  afterAll(async () => {
    await run.afterAll?.();
    await plane.cleanUp?.();
  });

  /** A supervisor on this plane, closed after the test; undefined when the plane is unavailable. */
  function make(options: Omit<ContractOptions, 'id'> = {}): Supervisor {
    counter += 1;
    const supervisor = plane.make({
      id: `contract-${plane.name}-${process.pid}-${counter}`,
      ...options,
    });
    open.push(supervisor);
    return supervisor;
  }

  /** Records every transition, failing on an illegal one. */
  function transitions(supervisor: Supervisor): string[] {
    const seen = [supervisor.state.state as string];
    supervisor.on('state', (next, previous) => {
      if (!canTransition(previous, next)) seen.push(`ILLEGAL ${previous.state}->${next.state}`);
      seen.push(next.state);
    });
    return seen;
  }

  /** Every crash-policy event in order, with the states between them. */
  function timeline(supervisor: Supervisor): string[] {
    const seen: string[] = [];
    const events: (keyof SupervisorEvents)[] = ['crash', 'restartScheduled', 'gaveUp'];
    for (const event of events) supervisor.on(event, () => seen.push(event));
    supervisor.on('state', (next) => seen.push(next.state));
    return seen;
  }

  const code = (error: unknown): string | undefined =>
    isGamewardError(error) ? error.code : String(error);

  it('start → running → stop → stopped, through legal transitions only', async (t) => {
    if (reason) return t.skip();
    const s = make();
    const seen = transitions(s);
    await s.start();
    expect(s.state.state).toBe('running');
    await s.stop();
    expect(seen).toEqual(['stopped', 'starting', 'running', 'stopping', 'stopped']);
  });

  it('the same error code for the same situation', async (t) => {
    if (reason) return t.skip();
    const s = make();
    expect(code(await s.stop().catch((e) => e))).toBe('ERR_NOT_RUNNING');
    expect(code(await s.kill().catch((e) => e))).toBe('ERR_NOT_RUNNING');
    // stats() with nothing running rejects on every plane (it never reports zeros).
    expect(code(await s.stats().catch((e) => e))).toBe('ERR_NOT_RUNNING');
    expect(code(await s.send('a\nb').catch((e) => e))).toBe('ERR_INVALID_ARGUMENT');
    await s.start();
    expect(code(await s.start().catch((e) => e))).toBe('ERR_ALREADY_RUNNING');
    const stats = await s.stats();
    expect(stats).toMatchObject({
      cpuPercent: expect.any(Number),
      memoryBytes: expect.any(Number),
    });
    expect(code(await s.waitFor('running', { timeoutMs: Number.NaN }).catch((e) => e))).toBe(
      'ERR_INVALID_ARGUMENT',
    );
    expect(() => s.recentOutput(Number.NaN)).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_ARGUMENT' }),
    );
    expect(() => s.output({ bufferSize: Number.NaN })).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_ARGUMENT' }),
    );
    expect(() => s.states({ bufferSize: 0 })).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_ARGUMENT' }),
    );
    const throwing = s.waitFor(() => {
      throw new Error('predicate bug');
    });
    await expect(throwing).rejects.toThrow('predicate bug');
  });

  it('an exit while starting: start() rejects ERR_START_FAILED, crashed with the code, a crash event', async (t) => {
    if (reason) return t.skip();
    const s = make({ exitAtStart: 3 });
    const seen = transitions(s);
    const crash = once(s, 'crash');
    const error = await s.start().catch((e) => e);
    expect(code(error)).toBe('ERR_START_FAILED');
    expect(error.exitCode).toBe(plane.reportedCode(3));
    expect(s.state).toMatchObject({ state: 'crashed', exitCode: plane.reportedCode(3) });
    const [details] = await crash;
    expect(details.exitCode).toBe(plane.reportedCode(3));
    expect(seen).toEqual(['stopped', 'starting', 'crashed']);
  });

  it('no ready line in time: ERR_READINESS_TIMEOUT, crashed, nothing left running', async (t) => {
    if (reason) return t.skip();
    const s = make({ neverReady: true, startTimeoutMs: 1500 });
    const seen = transitions(s);
    const crash = once(s, 'crash');
    expect(code(await s.start().catch((e) => e))).toBe('ERR_READINESS_TIMEOUT');
    expect(s.state.state).toBe('crashed');
    expect(code(await s.stats().catch((e) => e))).toBe('ERR_NOT_RUNNING');
    await crash;
    expect(seen).toEqual(['stopped', 'starting', 'stopping', 'crashed']);
  });

  it('a crash: crashed with its code, then the crash policy in the same order on every plane', async (t) => {
    if (reason) return t.skip();
    const s = make({ autoRestart: { maxRestarts: 1, initialDelayMs: 50, maxDelayMs: 50 } });
    await s.start();
    const seen = timeline(s);
    const crash = once(s, 'crash');
    await plane.crash(s, 5);
    const [details] = await crash;
    expect(details).toMatchObject({
      exitCode: plane.reportedCode(5),
      lastLines: expect.any(Array),
    });
    await s.waitFor('running');
    const gaveUp = once(s, 'gaveUp');
    await plane.crash(s, 6);
    await gaveUp;
    expect(s.state).toMatchObject({ state: 'crashed', exitCode: plane.reportedCode(6) });
    expect(seen).toEqual([
      'crashed',
      'crash',
      'restartScheduled',
      'starting',
      'running',
      'crashed',
      'crash',
      'gaveUp',
    ]);
  });

  it('start(); kill(): start rejects ERR_KILLED, kill resolves, stopped with nothing running', async (t) => {
    if (reason) return t.skip();
    const s = make();
    const seen = transitions(s);
    const starting = s.start();
    const killing = s.kill();
    expect(code(await starting.catch((e) => e))).toBe('ERR_KILLED');
    await killing;
    expect(s.state.state).toBe('stopped');
    expect(code(await s.stats().catch((e) => e))).toBe('ERR_NOT_RUNNING');
    expect(seen.filter((x) => x.startsWith('ILLEGAL'))).toEqual([]);
    await s.start();
    expect(s.state.state).toBe('running');
  });

  it('kill() from crashed: ERR_NOT_RUNNING, unless it cancels a pending restart', async (t) => {
    if (reason) return t.skip();
    const plain = make();
    await plain.start();
    await plane.crash(plain, 4);
    await plain.waitFor('crashed');
    expect(code(await plain.kill().catch((e) => e))).toBe('ERR_NOT_RUNNING');

    const restarting = make({ autoRestart: { initialDelayMs: 300, maxDelayMs: 300 } });
    await restarting.start();
    const scheduled = once(restarting, 'restartScheduled');
    await plane.crash(restarting, 4);
    await scheduled;
    await restarting.kill();
    expect(restarting.state.state).toBe('stopped');
    const comeBack = restarting.waitFor('starting', { timeoutMs: 600 }).catch((e) => e);
    expect(code(await comeBack)).toBe('ERR_TIMEOUT');
  });

  it('stop() of a crashed instance cancels its pending restart', async (t) => {
    if (reason) return t.skip();
    const s = make({ autoRestart: { initialDelayMs: 300, maxDelayMs: 300 } });
    await s.start();
    const crashed = s.waitFor('crashed');
    await plane.crash(s, 2);
    await crashed;
    await s.stop();
    expect(s.state.state).toBe('stopped');
    expect(code(await s.waitFor('starting', { timeoutMs: 600 }).catch((e) => e))).toBe(
      'ERR_TIMEOUT',
    );
  });

  it('an aborted start() rejects AbortError and leaves it stopped with nothing running', async (t) => {
    if (reason) return t.skip();
    const s = make({ neverReady: true });
    const controller = new AbortController();
    s.on('state', (next) => {
      if (next.state === 'starting') setTimeout(() => controller.abort(), 50);
    });
    const error = await s.start({ signal: controller.signal }).catch((e) => e);
    expect(error).toMatchObject({ name: 'AbortError', code: 'ERR_ABORTED' });
    expect(s.state.state).toBe('stopped');
    expect(code(await s.stats().catch((e) => e))).toBe('ERR_NOT_RUNNING');
    const already = new AbortController();
    already.abort();
    await expect(s.start({ signal: already.signal })).rejects.toMatchObject({ name: 'AbortError' });
    expect(s.state.state).toBe('stopped');
  });

  it('close(): the crash event seen just before still arrives; idempotent; ERR_DISPOSED after', async (t) => {
    if (reason) return t.skip();
    const s = make();
    await s.start();
    const crashes: unknown[] = [];
    s.on('crash', (details) => crashes.push(details));
    await plane.crash(s, 7);
    await s.waitFor('crashed');
    const states = s.states();
    await Promise.all([s.close(), s.close()]);
    expect(crashes).toHaveLength(1);
    const drained: InstanceState[] = [];
    for await (const state of states) drained.push(state);
    expect(drained.at(-1)?.state).toBe('crashed');
    expect(code(await s.start().catch((e) => e))).toBe('ERR_DISPOSED');
    expect(code(await s.waitFor('running').catch((e) => e))).toBe('ERR_DISPOSED');
  });

  it('close() of a running instance stops it (stopOnDispose defaults to true)', async (t) => {
    if (reason) return t.skip();
    const s = make();
    const seen = transitions(s);
    await s.start();
    await s.close();
    expect(seen.slice(-2)).toEqual(['stopping', 'stopped']);
  });

  it('works with node:events once() and on(), and an aborted once() throws nothing uncaught', async (t) => {
    if (reason) return t.skip();
    const s = make();
    const running = once(s, 'state');
    await s.start();
    const [first] = await running;
    expect(first.state).toBe('starting');
    const controller = new AbortController();
    const waiting = once(s, 'gaveUp', { signal: controller.signal });
    controller.abort();
    await expect(waiting).rejects.toMatchObject({ name: 'AbortError' });
  });
}
