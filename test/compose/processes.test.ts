import { setTimeout } from 'node:timers/promises';
import { expect, it } from 'vitest';
import { crashed } from '../../src/state/instance-state.js';
import { describeWithEngine, docker, liveChildren } from './engine.js';
import { lineWith, projectContainers, stack } from './stack.js';

describeWithEngine('ComposeSupervisor child processes', () => {
  it('an idle running stack holds the events stream and one log follower, and spawns nothing', async () => {
    const s = stack('idle', 'health.yaml');
    s.touch('app-healthy');
    await s.supervisor.start();
    const held = s.supervisor.childPids.sort();
    expect(held).toHaveLength(2);
    const seen = new Set<string>();
    // A sanity check, not a timing assertion: sample the children for 3 s while the stack idles
    // (its healthcheck runs every 500 ms inside the engine).
    for (let i = 0; i < 120; i += 1) {
      for (const child of liveChildren()) seen.add(`${child.pid} ${child.cmdline}`);
      await setTimeout(25);
    }
    const children = [...seen];
    expect(children.map((c) => Number(c.split(' ')[0])).sort()).toEqual(held);
    expect(children.some((c) => / docker events /.test(`${c} `))).toBe(true);
    expect(children.some((c) => / docker logs --follow /.test(`${c} `))).toBe(true);
  });

  it('dispose leaves no child process and no container', async () => {
    const s = stack('dispose', 'basic.yaml');
    await s.supervisor.start();
    expect(liveChildren().length).toBeGreaterThan(0);
    await s.supervisor[Symbol.asyncDispose]();
    expect(liveChildren()).toEqual([]);
    expect(projectContainers(s.project)).toEqual([]);
    expect(s.states.at(-1)).toBe('stopped');
  });

  it('dispose during a start ends it, with no child and no container left', async () => {
    const s = stack('dispose-start', 'basic.yaml', {
      env: { READY_ON_TRIGGER: '1' },
      readiness: { pattern: 'app: ready for players' },
    });
    const starting = s.supervisor.start();
    await lineWith(s, 'app: booting');
    await s.supervisor[Symbol.asyncDispose]();
    await expect(starting).rejects.toMatchObject({ code: 'ERR_DISPOSED' });
    expect(liveChildren()).toEqual([]);
    expect(projectContainers(s.project)).toEqual([]);
  });

  it('re-establishes a lost events stream and catches up on what it missed', async () => {
    const s = stack('reconnect', 'basic.yaml', { services: ['app'] });
    await s.supervisor.start();
    const events = liveChildren().find((c) => c.cmdline.includes(' events '));
    expect(events).toBeDefined();
    // The stream dies (as when the engine restarts); a container dies while it is down.
    process.kill(events?.pid ?? 0, 'SIGKILL');
    docker('kill', s.container('app'));
    await s.supervisor.waitFor('crashed', { timeoutMs: 15_000 });
    expect(s.supervisor.state).toEqual(crashed({ exitCode: 137 }));
    const again = liveChildren().find((c) => c.cmdline.includes(' events '));
    expect(again?.pid).not.toBe(events?.pid);
  });
});
