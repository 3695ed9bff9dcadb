import { describe, expect, it } from 'vitest';
import { GamewardError } from '../../src/errors.js';
import { normalisers, release } from './normalisers.js';

/** Ids (and compose project names) a CLI would read as flags, or a shell or a path would mangle. */
const hostile = [
  '--help',
  '-p x',
  '-p',
  '--project-name=evil',
  '-',
  '_leading-underscore',
  ' x',
  'x ',
  'a b',
  'UPPER',
  '',
  '../up',
  'a/b',
  'a;rm -rf /',
  '$(id)',
  '`id`',
  'a\nb',
  'a\0b',
  'é',
  'a.b',
  'a'.repeat(65),
];

describe.each(normalisers())('$name refuses ids that could inject flags', ({ build, valid }) => {
  it.each(hostile)('id %j', (id) => {
    let error: unknown;
    try {
      build(valid(id));
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(GamewardError);
    expect((error as GamewardError).code).toBe('ERR_INVALID_CONFIG');
    // The message names the field and shows the value.
    expect((error as GamewardError).message).toContain('`id`');
    expect((error as GamewardError).message).toContain(JSON.stringify(id).slice(1, 20));
  });

  it('accepts the longest and shortest legal ids', async () => {
    for (const id of ['a', '0', 'a'.repeat(64), 'rust-1_eu']) await release(build(valid(id)));
  });
});

const compose = normalisers().find((n) => n.name === 'ComposeSupervisor');
describe.skipIf(compose === undefined)('ComposeSupervisor refuses hostile project names', () => {
  // Length is no injection risk, and compose sets no limit on project names.
  it.each(hostile.filter((name) => name.length <= 64))('projectName %j', (name) => {
    let error: unknown;
    try {
      compose?.build({ ...compose.valid('ok'), projectName: name });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(GamewardError);
    expect((error as GamewardError).code).toBe('ERR_INVALID_CONFIG');
    expect((error as GamewardError).message).toContain('projectName');
  });
});
