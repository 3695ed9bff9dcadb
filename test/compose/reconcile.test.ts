import { describe, expect, it } from 'vitest';
import { Limit } from '../../src/compose/cli-limit.js';
import {
  type ContainerInfo,
  ContainerTable,
  engineTime,
  fromInspect,
  fromListed,
} from '../../src/compose/container-table.js';
import { parseComposeMajor } from '../../src/compose/failure.js';
import { observationOf, viewStack } from '../../src/compose/stack-view.js';
import { parseEngineAddress } from '../../src/engine/address.js';
import {
  exitCodeOfStatus,
  fromListEntry,
  healthOfStatus,
  listFilters,
  uptimeOfStatus,
} from '../../src/engine/containers.js';
import { type ContainerEvent, parseContainerEvent } from '../../src/engine/events.js';
import {
  eventFilters,
  flavorOf,
  healthNeedsInspect,
  logOpenTimeout,
} from '../../src/engine/flavor.js';
import { Demultiplexer } from '../../src/engine/log-stream.js';
import { cpuPercentBetween, cpuPercentOf, memoryOf } from '../../src/engine/stats.js';

// Real events as docker 20.10 sends them on /events (trimmed of unused labels).
const DIE_LINE =
  '{"status":"die","id":"fda06d885330af4b","from":"gameward-test-busybox:latest","Type":"container","Action":"die","Actor":{"ID":"fda06d885330af4b","Attributes":{"com.docker.compose.project":"gwx","com.docker.compose.service":"app","com.docker.compose.oneoff":"False","exitCode":"137","name":"gwx-app-1"}},"scope":"local","time":1795304734,"timeNano":1795304734171798120}';
const HEALTH_LINE =
  '{"status":"health_status: healthy","id":"71b03c029a87","Type":"container","Action":"health_status: healthy","Actor":{"ID":"71b03c029a87","Attributes":{"com.docker.compose.project":"gwx","com.docker.compose.service":"side","name":"gwx-side-1"}},"time":1795304735,"timeNano":1795304735000000000}';

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
    project: 'p',
    service: 'app',
    name: 'p-app-1',
    time: 2000,
    ...overrides,
  };
}

describe('engine events', () => {
  it('parses a die with its project, exit code and the nanosecond time', () => {
    expect(parseContainerEvent(DIE_LINE)).toEqual({
      id: 'fda06d885330af4b',
      action: 'die',
      project: 'gwx',
      service: 'app',
      name: 'gwx-app-1',
      exitCode: 137,
      time: 1795304734171.798,
    });
  });

  it('splits health_status into action and health', () => {
    expect(parseContainerEvent(HEALTH_LINE)).toMatchObject({
      action: 'health_status',
      health: 'healthy',
    });
  });

  it("ignores one-off containers, other actions, non-compose events and garbage; reads podman's remove", () => {
    expect(parseContainerEvent(DIE_LINE.replace('"False"', '"True"'))).toBeUndefined();
    expect(parseContainerEvent(DIE_LINE.replaceAll('"die"', '"exec_die"'))).toBeUndefined();
    expect(
      parseContainerEvent(DIE_LINE.replace('com.docker.compose.project', 'other')),
    ).toBeUndefined();
    expect(parseContainerEvent('not json')).toBeUndefined();
    expect(parseContainerEvent(DIE_LINE.replaceAll('"die"', '"remove"'))?.action).toBe('destroy');
  });

  it('filters on the project label key for docker, on nothing but the type for podman', () => {
    expect(eventFilters('docker')).toMatchObject({ label: ['com.docker.compose.project'] });
    expect(eventFilters('podman')).toEqual({ type: ['container'] });
    expect(listFilters('podman', undefined)).toEqual({ label: ['com.docker.compose.project'] });
    expect(logOpenTimeout('podman', 5000)).toBe(Number.POSITIVE_INFINITY);
    expect(logOpenTimeout('docker', 5000)).toBe(5000);
    expect(healthNeedsInspect('health_status', undefined)).toBe(true);
    expect(healthNeedsInspect('health_status', 'healthy')).toBe(false);
    expect(listFilters('docker', 'p')).toEqual({ label: ['com.docker.compose.project=p'] });
    expect(flavorOf({ Components: [{ Name: 'Podman Engine' }] })).toBe('podman');
    expect(flavorOf({ Platform: { Name: 'Docker Engine - Community' } })).toBe('docker');
  });
});

describe('list entries', () => {
  it('reads health and exit codes from the status text', () => {
    expect(healthOfStatus('Up 3 seconds (health: starting)')).toBe('starting');
    expect(healthOfStatus('Up 2 minutes (healthy)')).toBe('healthy');
    expect(healthOfStatus('Up 2 minutes (unhealthy)')).toBe('unhealthy');
    expect(healthOfStatus('Up 2 minutes')).toBe('');
    expect(exitCodeOfStatus('Exited (137) 2 seconds ago')).toBe(137);
    expect(exitCodeOfStatus('Restarting (3) 1 second ago')).toBe(3);
    expect(exitCodeOfStatus('Up 1 second')).toBeUndefined();
    expect(uptimeOfStatus('Up 5 minutes (healthy)')).toBe(300_000);
    expect(uptimeOfStatus('Up 1 second')).toBe(1000);
    expect(uptimeOfStatus('Up About an hour')).toBe(3_600_000);
    expect(uptimeOfStatus('Up Less than a second')).toBe(0);
    expect(uptimeOfStatus('Exited (0) 5 minutes ago')).toBeUndefined();
  });

  it('keeps compose service containers only, with the healthcheck known while running', () => {
    const labels = { 'com.docker.compose.project': 'p', 'com.docker.compose.service': 'app' };
    expect(
      fromListEntry({
        Id: 'x',
        Names: ['/p-app-1'],
        State: 'running',
        Status: 'Up 1 second',
        Labels: labels,
      }),
    ).toMatchObject({ name: 'p-app-1', status: 'running', hasHealthcheck: false, health: '' });
    expect(
      fromListEntry({ Id: 'x', State: 'exited', Status: 'Exited (5) now', Labels: labels }),
    ).toMatchObject({
      exitCode: 5,
      hasHealthcheck: undefined,
    });
    expect(
      fromListEntry({ Id: 'x', Labels: { ...labels, 'com.docker.compose.oneoff': 'True' } }),
    ).toBeUndefined();
    expect(fromListEntry({ Id: 'x', Labels: {} })).toBeUndefined();
  });

  it("leaves a running container's healthcheck unknown on podman, whose status never shows one", () => {
    const labels = { 'com.docker.compose.project': 'p', 'com.docker.compose.service': 'app' };
    const entry = { Id: 'x', State: 'running', Status: 'Up Less than a second', Labels: labels };
    expect(fromListEntry(entry, 'podman')).toMatchObject({ hasHealthcheck: undefined });
    expect(fromListEntry(entry, 'docker')).toMatchObject({ hasHealthcheck: false });
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

  it('keeps an event delivered while a list was in flight', () => {
    const table = new ContainerTable();
    table.merge([info({})], table.mark());
    const mark = table.mark();
    table.apply(event({ action: 'die', exitCode: 137, time: 3000 }));
    // The list read the container before it died; it knows no times.
    table.merge(
      [fromListed({ ...info({}), project: 'p', status: 'running', upForMs: undefined })],
      mark,
    );
    expect(table.get('aaaaaaaaaaaa')).toMatchObject({ status: 'exited', exitCode: 137 });
  });

  it('keeps what a list cannot say (times) from before', () => {
    const table = new ContainerTable();
    table.merge([info({ startedAt: 1234, finishedAt: 999 })], 0);
    table.merge(
      [fromListed({ ...info({}), project: 'p', hasHealthcheck: undefined, upForMs: undefined })],
      table.mark(),
    );
    expect(table.get('aaaaaaaaaaaa')).toMatchObject({
      startedAt: 1234,
      finishedAt: 999,
      hasHealthcheck: false,
    });
  });

  it('a start of a container known to run, well after its start, tells a missed death', () => {
    const table = new ContainerTable();
    table.merge([info({ startedAt: 1000 })], 0);
    // The replayed start of the run it knows (inspect's StartedAt is a little earlier): nothing.
    expect(table.apply(event({ action: 'start', time: 1000.5 }))).toBeUndefined();
    expect(table.apply(event({ action: 'start', time: 9000 }))).toMatchObject({
      kind: 'start',
      missedDeath: true,
    });
  });

  it('resets the health of a restarted container with a healthcheck, and forgets a destroyed one', () => {
    const table = new ContainerTable();
    table.merge([info({ hasHealthcheck: true, health: 'healthy' })], 0);
    table.apply(event({ action: 'die', exitCode: 1, time: 2000 }));
    table.apply(event({ action: 'start', time: 3000 }));
    expect(table.get('aaaaaaaaaaaa')).toMatchObject({ health: 'starting', finishedAt: 2000 });
    table.apply(event({ action: 'destroy', time: 4000 }));
    expect(table.all()).toEqual([]);
  });
});

describe('viewStack and observationOf', () => {
  const table = (...containers: ContainerInfo[]): ContainerTable => {
    const t = new ContainerTable();
    t.merge(containers, 0);
    return t;
  };
  const side = (o: Partial<ContainerInfo>) =>
    info({ id: 'bbbbbbbbbbbb', name: 'p-side-1', service: 'side', ...o });

  it('is up when every selected container runs healthy, whatever the others do', () => {
    const t = table(info({ startedAt: 5000 }), side({ status: 'exited', exitCode: 1 }));
    expect(viewStack(t, ['app'])).toEqual({ kind: 'up' });
    expect(observationOf(t, ['app'])).toEqual({ kind: 'running', since: 5000 });
    expect(viewStack(t, undefined)).toMatchObject({ kind: 'down', exitCode: 1, service: 'side' });
  });

  it('is starting while a healthcheck has not passed or is unknown', () => {
    expect(
      observationOf(table(info({ hasHealthcheck: true, health: 'starting' })), undefined),
    ).toEqual({
      kind: 'starting',
    });
    expect(viewStack(table(info({ hasHealthcheck: undefined })), undefined).kind).toBe('starting');
  });

  it('reads a fully stopped stack as stopped and a real exit code as a death', () => {
    const stopped = table(info({ status: 'exited', exitCode: 143 }));
    expect(observationOf(stopped, undefined)).toMatchObject({ kind: 'exited', stopped: true });
    const died = table(info({ status: 'exited', exitCode: 5 }));
    expect(observationOf(died, undefined)).toMatchObject({
      kind: 'exited',
      stopped: false,
      exitCode: 5,
    });
    const partly = table(info({ status: 'exited', exitCode: 0 }), side({}));
    expect(observationOf(partly, undefined)).toMatchObject({ kind: 'exited', stopped: false });
  });

  it('issue 11 #6: the selected service gone while another runs is an exit, not an absence', () => {
    expect(observationOf(table(side({})), ['app'])).toEqual({ kind: 'exited', stopped: false });
    expect(observationOf(table(side({ status: 'exited' })), ['app'])).toEqual({ kind: 'absent' });
    expect(observationOf(table(), ['app'])).toEqual({ kind: 'absent' });
  });

  it('names a selected service without a container', () => {
    expect(viewStack(table(info({})), ['app', 'ghost'])).toMatchObject({
      kind: 'down',
      service: 'ghost',
    });
  });
});

describe('parsers and small parts', () => {
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
    expect(fromInspect({ Id: 'x', Config: { Healthcheck: { Test: ['NONE'] } } })).toBeUndefined();
  });

  it('computes CPU and memory as the docker CLI does', () => {
    const sample = {
      cpu_stats: { cpu_usage: { total_usage: 300 }, system_cpu_usage: 2000, online_cpus: 2 },
      precpu_stats: { cpu_usage: { total_usage: 100 }, system_cpu_usage: 1000 },
      memory_stats: { usage: 5000, stats: { inactive_file: 1000 } },
    };
    expect(cpuPercentOf(sample)).toBe(40);
    expect(memoryOf(sample)).toBe(4000);
    expect(cpuPercentOf({})).toBe(0);
    // Podman: two samples a second apart, half a core busy between them.
    const at = (ms: number, ns: number) => ({
      read: new Date(ms).toISOString(),
      cpu_stats: { cpu_usage: { total_usage: ns } },
    });
    expect(cpuPercentBetween(at(0, 1e9), at(1000, 1.5e9))).toBe(50);
  });

  it('demultiplexes framed logs into stdout and stderr lines, across chunk boundaries', () => {
    const lines: string[] = [];
    const demux = new Demultiplexer((text, stream) => lines.push(`${stream}:${text}`));
    const frame = (stream: number, text: string): Buffer => {
      const body = Buffer.from(text);
      const header = Buffer.alloc(8);
      header[0] = stream;
      header.writeUInt32BE(body.length, 4);
      return Buffer.concat([header, body]);
    };
    const all = Buffer.concat([frame(1, 'hello\nwor'), frame(2, 'oops\n'), frame(1, 'ld\n')]);
    for (let i = 0; i < all.length; i += 3) demux.push(all.subarray(i, i + 3));
    demux.flush();
    expect(lines).toEqual(['stdout:hello', 'stderr:oops', 'stdout:world']);
    const raw: string[] = [];
    const tty = new Demultiplexer((text, stream) => raw.push(`${stream}:${text}`));
    tty.push(Buffer.from('a tty line\nmore'));
    tty.flush();
    expect(raw).toEqual(['stdout:a tty line', 'stdout:more']);
  });

  it('reads DOCKER_HOST as the docker CLI does', () => {
    expect(parseEngineAddress({}).modem).toMatchObject({ socketPath: '/var/run/docker.sock' });
    expect(parseEngineAddress({ DOCKER_HOST: 'unix:///run/podman/podman.sock' }).key).toBe(
      'unix:///run/podman/podman.sock',
    );
    expect(parseEngineAddress({ DOCKER_HOST: 'tcp://10.0.0.2:2375' }).modem).toMatchObject({
      protocol: 'http',
      host: '10.0.0.2',
      port: 2375,
      socketPath: undefined,
    });
    expect(parseEngineAddress({ DOCKER_HOST: 'ssh://gw@node2' }).modem).toMatchObject({
      protocol: 'ssh',
      host: 'node2',
      port: 22,
      username: 'gw',
    });
    expect(() => parseEngineAddress({ DOCKER_HOST: 'ftp://x' })).toThrow(/scheme/);
  });

  it('the CLI limit runs at most N at once and drops a waiter whose signal aborts', async () => {
    const limit = new Limit(2);
    let running = 0;
    let peak = 0;
    const release: (() => void)[] = [];
    const task = () =>
      new Promise<void>((resolve) => {
        running += 1;
        peak = Math.max(peak, running);
        release.push(() => {
          running -= 1;
          resolve();
        });
      });
    const runs = [limit.run(task), limit.run(task), limit.run(task)];
    const abort = new AbortController();
    const dropped = limit.run(task, abort.signal);
    expect(limit.load).toEqual({ running: 2, waiting: 2 });
    abort.abort();
    await expect(dropped).rejects.toMatchObject({ code: 'ERR_ABORTED' });
    while (release.length > 0 || running > 0) {
      release.shift()?.();
      await new Promise((r) => setImmediate(r));
    }
    await Promise.all(runs);
    expect(peak).toBe(2);
  });

  it('reads the compose major version', () => {
    expect(parseComposeMajor('2.26.1-4')).toBe(2);
    expect(parseComposeMajor('v2.29.0\n')).toBe(2);
    expect(parseComposeMajor('docker-compose version 1.29.2')).toBeUndefined();
  });
});
