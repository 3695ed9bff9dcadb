import { existsSync } from 'node:fs';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type StatusServer, startStatusServer } from '../../examples/http-status/server.js';
import { Fleet, GamewardError } from '../../src/index.js';
import { FakeSupervisor } from '../../src/testing/index.js';
import { toolAvailable } from './support/require-tool.js';
import { ExampleProcess } from './support/run-example.js';

const CHROMIUM = '/usr/bin/chromium';
const hasBrowser = toolAvailable('chromium', existsSync(CHROMIUM), 'GAMEWARD_REQUIRE_BROWSER');

const cleanup: (() => Promise<unknown> | unknown)[] = [];
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
});

async function serve(...supervisors: FakeSupervisor[]) {
  const fleet = new Fleet();
  for (const s of supervisors) fleet.add(s);
  const server: StatusServer = await startStatusServer({ fleet, title: 'Test agent' });
  cleanup.push(
    () => fleet[Symbol.asyncDispose](),
    () => server.close(),
  );
  return { fleet, server };
}

const post = (url: string, headers: Record<string, string> = { accept: 'application/json' }) =>
  fetch(url, { method: 'POST', headers, redirect: 'manual' });

describe('HTTP status example over plain HTTP', () => {
  it('answers commands with JSON and a status code per error', async () => {
    const { server } = await serve(new FakeSupervisor({ id: 'alpha' }));
    const ok = await post(`${server.url}/instances/alpha/start`);
    expect(ok.status).toBe(200);
    expect(await ok.text()).toBe('{"ok":true,"state":{"state":"running"}}');
    const cases: [string, number, string][] = [
      ['/instances/alpha/start', 409, 'ERR_ALREADY_RUNNING'],
      ['/instances/ghost/start', 404, 'ERR_UNKNOWN_INSTANCE'],
      ['/instances/alpha/dance', 400, 'ERR_INVALID_ACTION'],
      ['/instances/%E0%A4%A/stop', 400, 'BAD_PATH'],
    ];
    for (const [path, status, code] of cases) {
      const response = await post(`${server.url}${path}`);
      expect([path, response.status]).toEqual([path, status]);
      expect(await response.json()).toMatchObject({ ok: false, error: { code } });
    }
    const snapshot = await fetch(`${server.url}/api/instances`);
    expect(await snapshot.json()).toEqual([
      { instance_id: 'alpha', state: 'running', uptime_seconds: expect.any(Number) },
    ]);
    expect((await fetch(`${server.url}/nope`)).status).toBe(404);
    expect((await fetch(`${server.url}/`, { method: 'DELETE' })).status).toBe(405);
  });

  it('redirects a plain form post back to the page, and refuses other origins', async () => {
    const alpha = new FakeSupervisor({ id: 'alpha' });
    const { server } = await serve(alpha);
    const form = await post(`${server.url}/instances/alpha/start`, {
      'content-type': 'application/x-www-form-urlencoded',
    });
    expect(form.status).toBe(303);
    expect(form.headers.get('location')).toBe('/');
    expect(alpha.state.state).toBe('running');
    const forged = await post(`${server.url}/instances/alpha/stop`, {
      origin: 'http://evil.example',
      accept: 'application/json',
    });
    expect(forged.status).toBe(403);
    expect(alpha.state.state).toBe('running');
    const same = await post(`${server.url}/instances/alpha/stop`, {
      origin: server.url,
      accept: 'application/json',
    });
    expect(same.status).toBe(200);
  });

  it('streams the current states, then every change, as Server-Sent Events', async () => {
    const alpha = new FakeSupervisor({ id: 'alpha' });
    const { server } = await serve(alpha, new FakeSupervisor({ id: 'beta' }));
    const controller = new AbortController();
    const response = await fetch(`${server.url}/events`, { signal: controller.signal });
    expect(response.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
    const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
    let text = '';
    const until = async (needle: string) => {
      while (!text.includes(needle)) {
        const { value, done } = await reader.read();
        if (done) throw new Error(`stream ended before ${needle}:\n${text}`);
        text += value;
      }
    };
    await until('"instance_id":"beta"');
    await alpha.start();
    alpha.crash(3);
    await until('"exit_code":3');
    const events = text.split('\n\n').filter((block) => block.startsWith('event: state'));
    expect(events).toEqual([
      'event: state\ndata: {"instance_id":"alpha","state":"stopped"}',
      'event: state\ndata: {"instance_id":"beta","state":"stopped"}',
      'event: state\ndata: {"instance_id":"alpha","state":"starting"}',
      'event: state\ndata: {"instance_id":"alpha","state":"running"}',
      'event: state\ndata: {"instance_id":"alpha","state":"crashed","exit_code":3}',
    ]);
    controller.abort();
    await reader.cancel().catch(() => {});
  });

  it('ends the event stream of a client that went away', async () => {
    const ended: string[] = [];
    const logger = {
      debug: (_: object, msg?: string) => ended.push(msg ?? ''),
      info: () => {},
      warn: () => {},
      error: () => {},
    };
    await using fleet = new Fleet();
    fleet.add(new FakeSupervisor({ id: 'alpha' }));
    await using server = await startStatusServer({ fleet, logger });
    const controller = new AbortController();
    const response = await fetch(`${server.url}/events`, { signal: controller.signal });
    await response.body!.getReader().read();
    expect(ended).toEqual([]);
    controller.abort();
    await expect.poll(() => ended).toEqual(['event stream ended']);
  });

  it('close() ends open event streams', async () => {
    const { server } = await serve(new FakeSupervisor({ id: 'alpha' }));
    const response = await fetch(`${server.url}/events`);
    const body = response.body!.getReader();
    await body.read();
    await server.close();
    let done = false;
    while (!done) done = (await body.read().catch(() => ({ done: true }))).done;
    expect(done).toBe(true);
  });
});

describe.runIf(hasBrowser)('HTTP status example in headless Chromium', () => {
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
  });

  afterAll(async () => {
    await browser?.close();
  });

  afterEach(async () => {
    await page?.close();
  });

  const stateOf = (id: string) => page.locator(`tr[data-instance="${id}"] [data-role=state]`);
  const waitState = (id: string, state: string) =>
    page.waitForSelector(`tr[data-instance="${id}"][data-state="${state}"]`, { timeout: 15_000 });

  it('Start and Stop change the state shown, live', async () => {
    const alpha = new FakeSupervisor({ id: 'alpha', startDelayMs: 300, stopDelayMs: 300 });
    const { server, fleet } = await serve(alpha, new FakeSupervisor({ id: 'beta' }));
    page = await browser.newPage();
    await page.goto(server.url);
    await page.waitForSelector('[data-role=connection]:text("live")');
    expect(await stateOf('alpha').textContent()).toBe('stopped');
    expect(await page.isDisabled('tr[data-instance="alpha"] [data-action=stop]')).toBe(true);

    await page.click('tr[data-instance="alpha"] [data-action=start]');
    await waitState('alpha', 'starting');
    await waitState('alpha', 'running');
    expect(await stateOf('alpha').textContent()).toBe('running');
    expect(await page.isDisabled('tr[data-instance="alpha"] [data-action=start]')).toBe(true);
    expect(await stateOf('beta').textContent()).toBe('stopped');

    await page.screenshot({ path: '/tmp/gameward-http-status.png', fullPage: true });

    await page.click('tr[data-instance="alpha"] [data-action=stop]');
    await waitState('alpha', 'stopped');
    expect(await stateOf('alpha').textContent()).toBe('stopped');
    expect(alpha.calls.map((c) => c.method)).toEqual(['start', 'stop']);

    // Changes made elsewhere show up too, and instances added later get a row.
    await alpha.start();
    alpha.crash(9);
    await waitState('alpha', 'crashed');
    expect(await stateOf('alpha').textContent()).toBe('crashed (exit 9)');
    fleet.add(new FakeSupervisor({ id: 'gamma' }));
    await waitState('gamma', 'stopped');
    await page.click('tr[data-instance="gamma"] [data-action=start]');
    await waitState('gamma', 'running');
  });

  it('shows the error of a refused command next to the instance', async () => {
    const alpha = new FakeSupervisor({ id: 'alpha' });
    const { server } = await serve(alpha);
    page = await browser.newPage();
    await page.goto(server.url);
    await page.waitForSelector('[data-role=connection]:text("live")');
    alpha.failNext(
      'start',
      new GamewardError('ERR_SPAWN_FAILED', 'disk full', { instanceId: 'alpha' }),
    );
    await page.click('tr[data-instance="alpha"] [data-action=start]');
    const error = page.locator('tr[data-instance="alpha"] [data-role=error]');
    await error.filter({ hasText: 'ERR' }).waitFor({ timeout: 15_000 });
    expect(await error.textContent()).toBe('ERR_SPAWN_FAILED: Instance "alpha": disk full');
    // A launch that failed ends crashed, on every plane; the instance can be started again.
    await waitState('alpha', 'crashed');
    expect(await page.isDisabled('tr[data-instance="alpha"] [data-action=start]')).toBe(false);
  });

  it('npm run example:http: real game servers started and stopped from the page, clean exit', async () => {
    const example = new ExampleProcess('examples/http-status/main.ts', { PORT: '0' });
    try {
      const [, url] = await example.waitFor(/Status page: (http:\/\/127\.0\.0\.1:\d+)\//);
      page = await browser.newPage();
      await page.goto(url as string);
      await page.waitForSelector('[data-role=connection]:text("live")');
      await page.click('tr[data-instance="survival-1"] [data-action=start]');
      await waitState('survival-1', 'running');
      await page.click('tr[data-instance="survival-1"] [data-action=stop]');
      await waitState('survival-1', 'stopped');
      await page.click('tr[data-instance="creative-1"] [data-action=start]');
      await waitState('creative-1', 'running');
      expect(await stateOf('survival-1').textContent()).toBe('stopped');
      // Ctrl-C with a server still running: the example stops it and exits 0.
      example.child.kill('SIGINT');
      expect(await example.exited).toEqual({ code: 0, signal: null });
      expect(example.output).toContain('Shutting down');
    } finally {
      await example.kill();
    }
  }, 60_000);
});
