import { afterEach, expect, it } from 'vitest';
import { ExampleProcess } from '../examples/support/run-example.js';
import { testProjectName } from '../support/run-id.js';
import { liveChildren } from './children.js';
import { describeWithEngine, downProject } from './engine.js';

const project = testProjectName('example');
let example: ExampleProcess | undefined;

afterEach(async () => {
  await example?.kill();
  await downProject(project);
});

describeWithEngine('examples/compose-instance.ts', () => {
  it('runs: starts the stack, waits for the ready line, stops it and exits 0', async () => {
    example = new ExampleProcess('examples/compose-instance.ts', { GAMEWARD_EXAMPLE_ID: project });
    const { code } = await example.exited;
    expect(example.output).toContain('[server] Server started');
    expect(example.output).toMatch(/state: starting\n(.*\n)*state: running/);
    expect(example.output).toMatch(/stats: 2 container\(s\)/);
    expect(example.output).toMatch(/state: stopping\n(.*\n)*state: stopped/);
    expect(code).toBe(0);
    expect(await liveChildren()).toEqual([]);
  });
});
