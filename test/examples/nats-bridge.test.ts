import { connect, type NatsConnection } from '@nats-io/transport-node';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type NatsBridge, startNatsBridge } from '../../examples/nats-bridge/bridge.js';
import {
  findNatsServer,
  type LocalNatsServer,
  startLocalNatsServer,
} from '../../examples/nats-bridge/local-nats-server.js';
import { Fleet } from '../../src/index.js';
import { FakeSupervisor } from '../../src/testing/index.js';
import { Inbox } from './support/nats-inbox.js';
import { toolAvailable } from './support/require-tool.js';
import { ExampleProcess } from './support/run-example.js';

const available = toolAvailable(
  'nats-server',
  findNatsServer() !== undefined,
  'GAMEWARD_REQUIRE_NATS',
);

describe.runIf(available)('NATS bridge example on a real nats-server', () => {
  let server: LocalNatsServer;
  let agentNc: NatsConnection;
  let panelNc: NatsConnection;
  const cleanup: (() => Promise<unknown> | unknown)[] = [];
  let counter = 0;

  beforeAll(async () => {
    server = await startLocalNatsServer();
    agentNc = await connect({ servers: server.url });
    panelNc = await connect({ servers: server.url });
  });

  afterEach(async () => {
    for (const step of cleanup.splice(0).reverse()) await step();
  });

  afterAll(async () => {
    await agentNc?.close();
    await panelNc?.close();
    await server?.stop();
  });

  /** A fleet of fakes behind a bridge with its own agent name, and a panel inbox on its subjects. */
  async function setup(ids: string[], heartbeatMs = 60_000) {
    counter += 1;
    const agent = `agent${counter}`;
    const fleet = new Fleet();
    const fakes = ids.map((id) => fleet.add(new FakeSupervisor({ id })));
    const inbox = new Inbox(panelNc, `gameward.${agent}.>`);
    await panelNc.flush();
    const bridge: NatsBridge = await startNatsBridge({ nc: agentNc, agent, fleet, heartbeatMs });
    cleanup.push(
      () => fleet[Symbol.asyncDispose](),
      () => bridge.close(),
      () => inbox.close(),
    );
    const request = async (instance: string, payload: string | Uint8Array) => {
      const msg = await panelNc.request(`gameward.${agent}.${instance}.cmd`, payload, {
        timeout: 15_000,
      });
      return { text: msg.string(), json: msg.json<Record<string, unknown>>() };
    };
    return { agent, fleet, fakes, inbox, bridge, request };
  }

  it('serves commands by request/reply and publishes every state change with the wire JSON', async () => {
    const { agent, inbox, request, fakes } = await setup(['alpha', 'beta']);
    const subject = `gameward.${agent}.alpha.state`;
    await inbox.waitForCount(subject, 1);

    const reply = await request('alpha', '{"action":"start"}');
    expect(reply.text).toBe('{"ok":true,"state":{"state":"running"}}');
    const states = await inbox.waitForCount(subject, 3);
    expect(states.map((m) => m.json.state)).toEqual(['stopped', 'starting', 'running']);
    expect(states[2]?.text).toMatch(
      new RegExp(`^\\{"state":"running","instance_id":"alpha","agent":"${agent}","time":\\d+\\}$`),
    );
    expect(inbox.on(`gameward.${agent}.beta.state`).map((m) => m.json.state)).toEqual(['stopped']);

    fakes[0]?.crash(3);
    const crash = await inbox.waitFor(
      (m) => m.subject === subject && m.json.state === 'crashed',
      'crashed',
    );
    expect(crash.text).toMatch(/^\{"state":"crashed","exit_code":3,"instance_id":"alpha",/);

    expect((await request('alpha', '{"action":"restart"}')).json).toEqual({
      ok: true,
      state: { state: 'running' },
    });
    expect((await request('alpha', '{"action":"stop"}')).text).toBe(
      '{"ok":true,"state":{"state":"stopped"}}',
    );
    expect((await request('alpha', '{"action":"kill"}')).json).toMatchObject({
      ok: false,
      error: { code: 'ERR_NOT_RUNNING' },
    });
    expect(fakes[0]?.calls.map((c) => c.method)).toEqual(['start', 'restart', 'stop', 'kill']);
  });

  it.each([
    ['{"action":', 'ERR_INVALID_ARGUMENT', 'not JSON'],
    ['', 'ERR_INVALID_ARGUMENT', 'not JSON'],
    [new Uint8Array([0xff, 0xfe, 0x00]), 'ERR_INVALID_ARGUMENT', 'not JSON'],
    ['"start"', 'ERR_INVALID_ARGUMENT', 'expected the command payload to be an object'],
    ['["start"]', 'ERR_INVALID_ARGUMENT', 'expected the command payload to be an object'],
    ['null', 'ERR_INVALID_ARGUMENT', 'expected the command payload to be an object'],
    ['{}', 'ERR_INVALID_ARGUMENT', '`action` to be one of start, stop, restart, kill'],
    ['{"action":7}', 'ERR_INVALID_ARGUMENT', 'got `7` (number)'],
    ['{"action":"dance"}', 'ERR_INVALID_ACTION', 'got `"dance"` (string)'],
    ['{"action":"start","force":true}', 'ERR_INVALID_ARGUMENT', 'unknown command field `force`'],
    ['{"action":"start","instanceId":"beta"}', 'ERR_INVALID_ARGUMENT', 'must not name an instance'],
  ])('answers the malformed command %j with an error reply', async (payload, code, message) => {
    const { request, fakes } = await setup(['alpha', 'beta']);
    const reply = await request('alpha', payload);
    expect(reply.json).toMatchObject({ ok: false, error: { code } });
    expect((reply.json.error as { message: string }).message).toContain(message);
    expect(Object.keys(reply.json)).toEqual(['ok', 'error']);
    // Nothing ran, and the bridge still serves.
    expect(fakes.flatMap((f) => f.calls)).toEqual([]);
    expect((await request('alpha', '{"action":"start"}')).json.ok).toBe(true);
  });

  it('answers an unknown instance with ERR_UNKNOWN_INSTANCE', async () => {
    const { request } = await setup(['alpha']);
    const reply = await request('ghost', '{"action":"start"}');
    expect(reply.json).toEqual({
      ok: false,
      error: {
        code: 'ERR_UNKNOWN_INSTANCE',
        message: 'Instance "ghost": is not in the fleet, which holds "alpha"',
      },
    });
  });

  it('ignores a command published without a reply subject', async () => {
    const { agent, request, fakes } = await setup(['alpha']);
    panelNc.publish(`gameward.${agent}.alpha.cmd`, '{"action":"start"}');
    // A request after it is served after it, on the same subscription, so by its reply the
    // fire-and-forget message has been seen (and ignored).
    expect((await request('alpha', '{"action":"stop"}')).json).toMatchObject({
      ok: false,
      error: { code: 'ERR_NOT_RUNNING' },
    });
    expect(fakes[0]?.calls).toEqual([{ method: 'stop', args: [] }]);
  });

  it('publishes a heartbeat at once and then every heartbeatMs, from the fleet snapshot', async () => {
    const { agent, inbox, request } = await setup(['alpha', 'beta'], 150);
    const subject = `gameward.${agent}.heartbeat`;
    const [first] = await inbox.waitForCount(subject, 1);
    expect(first?.json).toEqual({
      agent,
      time: expect.any(Number),
      instances: [
        { instance_id: 'alpha', state: 'stopped', uptime_seconds: 0 },
        { instance_id: 'beta', state: 'stopped', uptime_seconds: 0 },
      ],
    });
    await request('beta', '{"action":"start"}');
    const seen = inbox.on(subject).length;
    const beats = await inbox.waitForCount(subject, seen + 1);
    expect(beats.at(-1)?.text).toMatch(
      /"instances":\[\{"instance_id":"alpha","state":"stopped","uptime_seconds":0\},\{"instance_id":"beta","state":"running","uptime_seconds":\d+\}\]\}$/,
    );
  });

  it('close() still replies to a command under way, then serves nothing more', async () => {
    counter += 1;
    const agent = `agent${counter}`;
    await using fleet = new Fleet();
    const slow = fleet.add(new FakeSupervisor({ id: 'slow', startDelayMs: 300 }));
    const bridge = await startNatsBridge({ nc: agentNc, agent, fleet, heartbeatMs: 60_000 });
    const pending = panelNc.request(`gameward.${agent}.slow.cmd`, '{"action":"start"}', {
      timeout: 15_000,
    });
    await slow.waitFor('starting');
    const closed = bridge.close();
    expect(bridge.close()).toBe(closed);
    await closed;
    expect((await pending).json()).toEqual({ ok: true, state: { state: 'running' } });
    await expect(
      panelNc.request(`gameward.${agent}.slow.cmd`, '{"action":"stop"}', { timeout: 2_000 }),
    ).rejects.toThrow(/no responders|timeout/i);
    expect(slow.calls.map((c) => c.method)).toEqual(['start']);
  });

  it('refuses a bad agent name or heartbeat period', async () => {
    await using fleet = new Fleet();
    for (const agent of ['a.b', 'a*', '>', '', 'a b']) {
      await expect(
        startNatsBridge({ nc: agentNc, agent, fleet, heartbeatMs: 1000 }),
      ).rejects.toMatchObject({ code: 'ERR_INVALID_ARGUMENT' });
    }
    for (const heartbeatMs of [0, -5, 1.5, Number.NaN]) {
      await expect(
        startNatsBridge({ nc: agentNc, agent: 'ok', fleet, heartbeatMs }),
      ).rejects.toThrow(/`heartbeatMs` to be a positive integer/);
    }
  });
});

describe.runIf(available)('npm run example:nats', () => {
  it('runs its tour against its own nats-server and a real process, then exits 0', async () => {
    const example = new ExampleProcess('examples/nats-bridge/main.ts');
    try {
      const { code } = await example.exited;
      expect([code, example.output]).toEqual([0, expect.any(String)]);
      const out = example.output;
      expect(out).toMatch(/^Started nats-server at nats:\/\/127\.0\.0\.1:\d+$/m);
      expect(out).toContain(
        '<- gameward.example.survival-1.state {"state":"running","instance_id":"survival-1"',
      );
      expect(out).toMatch(/"instances":\[\{"instance_id":"survival-1","state":"running"/);
      expect(out).toContain('<- reply {"ok":false,"error":{"code":"ERR_INVALID_ACTION"');
      expect(out).toContain('<- reply {"ok":false,"error":{"code":"ERR_INVALID_ARGUMENT"');
      expect(out).toContain('<- reply {"ok":false,"error":{"code":"ERR_UNKNOWN_INSTANCE"');
      expect(out).toContain('<- reply {"ok":true,"state":{"state":"stopped"}}');
    } finally {
      await example.kill();
    }
  }, 60_000);
});
