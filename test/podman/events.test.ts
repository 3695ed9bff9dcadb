// Podman 4.3's /events differs from Docker's in ways the compose plane must handle. Each test pins
// one difference (docs/podman.md), so a podman upgrade that changes it fails here first.
import { beforeAll, expect, it } from 'vitest';
import {
  apiSeconds,
  collectEvents,
  createContainer,
  describeEvents,
  describeWithPodman,
  PROJECT_LABEL,
  type RawEvent,
  SERVICE_LABEL,
  testName,
} from './podman.js';

const actions = (events: readonly RawEvent[]): string[] => events.map((e) => e.Action);
const has = (action: string) => (events: readonly RawEvent[]) =>
  events.some((e) => e.Action === action);

describeWithPodman('podman events', () => {
  // One container that exits 3 by itself, then is removed: every test reads its history.
  const name = testName('events-exit3');
  const project = { label: [`${PROJECT_LABEL}=${name}`] };
  let since = 0;
  let die: RawEvent;
  // A window from before the container to 1.5 s from now: `until` must be in the future at the
  // call (finding: a past `until` ends the stream at once), so each call takes a fresh one.
  const window = () => ({ since: apiSeconds(since), until: apiSeconds(Date.now() + 1500) });

  beforeAll(async () => {
    since = Date.now() - 1000;
    const container = await createContainer('events-exit3', 'exit 3');
    await container.start();
    expect(await container.wait()).toMatchObject({ StatusCode: 3 });
    // `cleanup` is podman's last word on a dead container: after it, the history is complete.
    const history = await collectEvents(
      { filters: project, since: apiSeconds(since) },
      has('cleanup'),
    );
    die = history.find((e) => e.Action === 'die') as RawEvent;
    expect(die, describeEvents(history)).toBeDefined();
    await container.remove();
    await collectEvents({ filters: project, since: apiSeconds(since) }, has('remove'));
  });

  it('filters `event=die` to nothing: the die is `died` inside podman (why 0.1.0 saw no crash)', async () => {
    const asDocker = await collectEvents(
      { filters: { ...project, event: ['die', 'cleanup'] }, since: apiSeconds(since) },
      has('cleanup'),
    );
    expect(actions(asDocker)).toEqual(['cleanup']);
    const asPodman = await collectEvents(
      { filters: { ...project, event: ['died'] }, since: apiSeconds(since) },
      has('die'),
    );
    // The filter says `died`, the event still reads `die`.
    expect(asPodman.map((e) => [e.Action, e.status])).toEqual([['die', 'die']]);
  });

  it("filters on podman names: `died` and `remove` match, Docker's `die` and `destroy` do not", async () => {
    const byName = (names: string[]) =>
      collectEvents({ filters: { ...project, event: names }, ...window() });
    const podmanNames = await byName(['create', 'start', 'died', 'remove']);
    expect(actions(podmanNames)).toEqual(['create', 'start', 'die', 'remove']);
    expect(await byName(['die', 'destroy'])).toEqual([]);
  });

  it('reports the exit code on die as exitCode and containerExitCode', () => {
    expect(die.Type).toBe('container');
    expect(die.Actor.Attributes).toMatchObject({
      exitCode: '3',
      containerExitCode: '3',
      [PROJECT_LABEL]: name,
      [SERVICE_LABEL]: 'app',
      name,
    });
  });

  it('emits podman-only actions, and `remove` where Docker says `destroy`', async () => {
    const all = await collectEvents({ filters: project, since: apiSeconds(since) }, has('remove'));
    expect(actions(all)).toEqual(['create', 'init', 'start', 'die', 'cleanup', 'remove']);
  });

  it('matches nothing with a key-only label filter (Docker: any value)', async () => {
    // `until` ends the stream: the absence is observed over the whole window, not guessed.
    const keyOnly = await collectEvents({ filters: { label: [PROJECT_LABEL] }, ...window() });
    expect(describeEvents(keyOnly)).toBe('');
    const keyValue = await collectEvents({ filters: project, ...window() });
    expect(actions(keyValue)).toContain('die');
  });

  it('ORs several label filters (Docker ANDs them)', async () => {
    const events = await collectEvents({
      filters: { label: [`${PROJECT_LABEL}=${name}`, `${SERVICE_LABEL}=no-such-service`] },
      ...window(),
    });
    expect(actions(events)).toContain('die');
  });

  it('ends at once with nothing when `until` is past (Docker replays the window)', async () => {
    const started = Date.now();
    const past = await collectEvents({
      filters: project,
      since: apiSeconds(since),
      until: apiSeconds(Date.now() - 1),
    });
    expect(past).toEqual([]);
    expect(Date.now() - started).toBeLessThan(5000);
    const live = await collectEvents({ filters: project, since: apiSeconds(since) }, has('die'));
    expect(actions(live)).toContain('die');
  });

  it('honours the fraction of `since` to the nanosecond, and takes RFC 3339 (Docker: 500)', async () => {
    const at = BigInt(/"timeNano":\s*(\d+)/.exec(JSON.stringify(die))?.[1] ?? '0');
    const seconds = (ns: bigint): string =>
      `${ns / 1_000_000_000n}.${(ns % 1_000_000_000n).toString().padStart(9, '0')}`;
    const died = (from: string) => ({
      filters: { ...project, event: ['died'] },
      since: from,
      until: window().until,
    });
    const before = await collectEvents(died(seconds(at - 1000n)));
    expect(actions(before)).toEqual(['die']);
    const after = await collectEvents(died(seconds(at + 1000n)));
    expect(after).toEqual([]);
    const rfc3339 = await collectEvents(died(new Date(since).toISOString()));
    expect(actions(rfc3339)).toEqual(['die']);
  });

  it('reports a kill without its signal, then die 137', async () => {
    const killed = testName('events-kill');
    const container = await createContainer('events-kill', 'sleep 60');
    const from = Date.now() - 1000;
    await container.start();
    await container.kill();
    expect(await container.wait()).toMatchObject({ StatusCode: 137 });
    const events = await collectEvents(
      { filters: { label: [`${PROJECT_LABEL}=${killed}`] }, since: apiSeconds(from) },
      has('die'),
    );
    const kill = events.find((e) => e.Action === 'kill');
    expect(kill?.Actor.Attributes.signal).toBeUndefined();
    expect(events.find((e) => e.Action === 'die')?.Actor.Attributes.exitCode).toBe('137');
    expect((await container.inspect()).State.ExitCode).toBe(137);
    await container.remove({ force: true });
  });
});
