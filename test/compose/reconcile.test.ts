import { describe, expect, it } from 'vitest';
import { parsePs } from '../../src/compose/compose-cli.js';
import {
  type ContainerInfo,
  ContainerTable,
  engineTime,
  fromInspect,
} from '../../src/compose/container-table.js';
import { type ContainerEvent, parseEngineEvent } from '../../src/compose/engine-events.js';
import { parseComposeMajor } from '../../src/compose/failure.js';
import { adoptedState, viewStack } from '../../src/compose/reconcile.js';
import { parseBytes, sumDockerStats } from '../../src/compose/stats.js';
import { crashed, States } from '../../src/state/instance-state.js';

// Real lines as docker 20.10 and compose 2.26 print them (trimmed of unused labels).
const DIE_LINE =
  '{"status":"die","id":"fda06d885330af4b","from":"gameward-test-busybox:latest","Type":"container","Action":"die","Actor":{"ID":"fda06d885330af4b","Attributes":{"com.docker.compose.project":"gwx","com.docker.compose.service":"app","com.docker.compose.oneoff":"False","exitCode":"137","name":"gwx-app-1"}},"scope":"local","time":1795304734,"timeNano":1795304734171798120}';
const HEALTH_LINE =
  '{"status":"health_status: healthy","id":"71b03c029a87","Type":"container","Action":"health_status: healthy","Actor":{"ID":"71b03c029a87","Attributes":{"com.docker.compose.service":"side","name":"gwx-side-1"}},"time":1795304735,"timeNano":1795304735000000000}';

function info(overrides: Partial<ContainerInfo>): ContainerInfo {
  return {
    id: 'aaaaaaaaaaaa',
    name: 'p-app-1',
    service: 'app',
    status: 'running',
    health: '',
    hasHealthcheck: false,
    exitCode: 0,
    startedAt: 1000,
    finishedAt: undefined,
    since: 1000,
    ...overrides,
  };
}

function event(overrides: Partial<ContainerEvent>): ContainerEvent {
  return {
    id: 'aaaaaaaaaaaa',
    action: 'start',
    service: 'app',
    name: 'p-app-1',
    time: 2000,
    ...overrides,
  };
}

describe('engine events', () => {
  it('parses a die with its exit code and the nanosecond time', () => {
    expect(parseEngineEvent(DIE_LINE)).toEqual({
      id: 'fda06d885330af4b',
      action: 'die',
      service: 'app',
      name: 'gwx-app-1',
      exitCode: 137,
      time: 1795304734171.798,
    });
  });

  it('splits health_status into action and health', () => {
    expect(parseEngineEvent(HEALTH_LINE)).toMatchObject({
      action: 'health_status',
      health: 'healthy',
    });
  });

  it('ignores one-off `compose run` containers, non-compose events and garbage', () => {
    expect(parseEngineEvent(DIE_LINE.replace('"False"', '"True"'))).toBeUndefined();
    expect(
      parseEngineEvent(DIE_LINE.replace('com.docker.compose.service', 'other')),
    ).toBeUndefined();
    expect(parseEngineEvent('not json')).toBeUndefined();
  });
});

describe('ContainerTable', () => {
  it('ignores events older than what a snapshot knew, and repeats that change nothing', () => {
    const table = new ContainerTable();
    table.merge([info({ status: 'exited', exitCode: 137, startedAt: 5000, since: 6000 })], 0);
    expect(table.apply(event({ action: 'die', exitCode: 3, time: 4000 }))).toBeUndefined();
    expect(table.apply(event({ action: 'die', exitCode: 137, time: 6001 }))).toBeUndefined();
    const change = table.apply(event({ action: 'start', time: 7000 }));
    expect(change).toMatchObject({ kind: 'start', known: true });
    expect(table.get('aaaaaaaaaaaa')).toMatchObject({ status: 'running', startedAt: 7000 });
  });

  it('keeps an event delivered while a snapshot was in flight when it is newer', () => {
    const table = new ContainerTable();
    table.merge([info({})], table.mark());
    const mark = table.mark();
    table.apply(event({ action: 'die', exitCode: 137, time: 3000 }));
    // The snapshot read the container before it died.
    table.merge([info({ status: 'running', since: 1000 })], mark);
    expect(table.get('aaaaaaaaaaaa')).toMatchObject({ status: 'exited', exitCode: 137 });
  });

  it('resets the health of a restarted container with a healthcheck', () => {
    const table = new ContainerTable();
    table.merge([info({ hasHealthcheck: true, health: 'healthy' })], 0);
    table.apply(event({ action: 'die', exitCode: 1, time: 2000 }));
    table.apply(event({ action: 'start', time: 3000 }));
    expect(table.get('aaaaaaaaaaaa')).toMatchObject({ health: 'starting', finishedAt: 2000 });
  });

  it('forgets a destroyed container', () => {
    const table = new ContainerTable();
    table.merge([info({})], 0);
    table.apply(event({ action: 'destroy', time: 3000 }));
    expect(table.all()).toEqual([]);
  });
});

describe('viewStack and adoptedState', () => {
  const table = (...containers: ContainerInfo[]): ContainerTable => {
    const t = new ContainerTable();
    t.merge(containers, 0);
    return t;
  };
  const side = (o: Partial<ContainerInfo>) =>
    info({ id: 'bbbbbbbbbbbb', name: 'p-side-1', service: 'side', ...o });

  it('is up when every selected container runs healthy, whatever the others do', () => {
    const t = table(info({}), side({ status: 'exited', exitCode: 1 }));
    expect(viewStack(t, ['app'])).toEqual({ kind: 'up' });
    expect(viewStack(t, undefined)).toMatchObject({ kind: 'down', exitCode: 1, service: 'side' });
  });

  it('is starting while a healthcheck has not passed or is unknown', () => {
    expect(
      viewStack(table(info({ hasHealthcheck: true, health: 'starting' })), undefined).kind,
    ).toBe('starting');
    expect(viewStack(table(info({ hasHealthcheck: undefined })), undefined).kind).toBe('starting');
  });

  it('reads a fully stopped stack as stopped and a real exit code as a crash', () => {
    const stopped = viewStack(table(info({ status: 'exited', exitCode: 143 })), undefined);
    expect(adoptedState(States.stopped, stopped)).toEqual(States.stopped);
    const died = viewStack(table(info({ status: 'exited', exitCode: 5 })), undefined);
    expect(adoptedState(States.stopped, died)).toEqual(crashed({ exitCode: 5 }));
    const partly = viewStack(table(info({ status: 'exited', exitCode: 0 }), side({})), undefined);
    expect(adoptedState(States.stopped, partly)).toEqual(crashed({ exitCode: 0 }));
  });

  it('names a selected service without a container', () => {
    expect(viewStack(table(info({})), ['app', 'ghost'])).toMatchObject({
      kind: 'down',
      service: 'ghost',
    });
  });

  it('adopts: never demotes running to starting; absent is stopped, or a crash if it was up', () => {
    expect(adoptedState(States.running, { kind: 'starting' })).toEqual(States.running);
    expect(adoptedState(crashed({ exitCode: 137 }), { kind: 'up' })).toEqual(States.running);
    expect(adoptedState(crashed({ exitCode: 3 }), { kind: 'absent' })).toEqual(States.stopped);
    expect(adoptedState(States.running, { kind: 'absent' })).toEqual(crashed());
  });
});

describe('parsers', () => {
  it('reads compose ps in both JSON shapes', () => {
    const row = {
      ID: 'abc',
      Name: 'p-app-1',
      Service: 'app',
      State: 'running',
      Health: '',
      ExitCode: 0,
    };
    expect(
      parsePs(`${JSON.stringify(row)}\n${JSON.stringify({ ...row, ID: 'def' })}\n`),
    ).toHaveLength(2);
    expect(parsePs(JSON.stringify([row]))).toEqual([row]);
    expect(parsePs('')).toEqual([]);
  });

  it('reads inspect objects, healthchecks and nanosecond times', () => {
    const c = fromInspect({
      Id: 'abcdef0123456789',
      Name: '/p-app-1',
      Config: {
        Labels: { 'com.docker.compose.service': 'app' },
        Healthcheck: { Test: ['CMD', 'true'] },
      },
      State: {
        Status: 'running',
        ExitCode: 0,
        StartedAt: '2026-11-21T23:45:33.628659386Z',
        FinishedAt: '0001-01-01T00:00:00Z',
        Health: { Status: 'healthy' },
      },
    });
    expect(c).toMatchObject({
      name: 'p-app-1',
      hasHealthcheck: true,
      health: 'healthy',
      finishedAt: undefined,
    });
    expect(c?.startedAt).toBe(engineTime('2026-11-21T23:45:33.628659386Z'));
    expect(engineTime('2026-11-21T23:45:33.628659386Z')).toBeCloseTo(
      Date.parse('2026-11-21T23:45:33.628Z') + 0.659,
      3,
    );
    expect(fromInspect({ Id: 'x', Config: { Healthcheck: { Test: ['NONE'] } } })).toBeUndefined();
  });

  it('sums docker stats and reads byte units', () => {
    const rows = [
      { CPUPerc: '12.50%', MemUsage: '1.5MiB / 7.7GiB' },
      { CPUPerc: '0.25%', MemUsage: '512KiB / 7.7GiB' },
    ];
    const stats = sumDockerStats(rows.map((r) => JSON.stringify(r)).join('\n'), 42);
    expect(stats).toEqual({
      cpuPercent: 12.75,
      memoryBytes: 1.5 * 1024 ** 2 + 512 * 1024,
      processCount: 2,
      time: 42,
    });
    expect(parseBytes('12kB')).toBe(12_000);
    expect(parseBytes('garbage')).toBe(0);
  });

  it('reads the compose major version', () => {
    expect(parseComposeMajor('2.26.1-4')).toBe(2);
    expect(parseComposeMajor('v2.29.0\n')).toBe(2);
    expect(parseComposeMajor('docker-compose version 1.29.2')).toBeUndefined();
  });
});
