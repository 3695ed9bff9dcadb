import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { ProcessSupervisor } from '../../src/process/index.js';

const ECHO = fileURLToPath(new URL('./fixtures/echo-argv.mjs', import.meta.url));
const scratch = mkdtempSync(join(tmpdir(), 'gameward-hostile-'));
const canary = (name: string): string => join(scratch, name);

afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** What a shell would act on; each must reach the server byte for byte. */
const args = [
  `$(touch ${canary('dollar')})`,
  `\`touch ${canary('backtick')}\``,
  `; touch ${canary('semicolon')}`,
  `&& touch ${canary('and')}`,
  `| tee ${canary('pipe')}`,
  `> ${canary('redirect')}`,
  '*',
  '~',
  '$HOME',
  // biome-ignore lint/suspicious/noTemplateCurlyInString: a shell's ${} expansion, on purpose.
  '${PATH}',
  '"double quoted"',
  "'single quoted'",
  '\\',
  'a b  c',
  '',
  ' ',
  '\t',
  'line\nbreak',
  '--help',
  '-p',
  '%PATH%',
  '!!',
  '{a,b}',
  '[abc]',
  'ünïcödé 🎮',
];

const env = {
  GW_HOSTILE_SUBST: `$(touch ${canary('env-dollar')})`,
  GW_HOSTILE_BACKTICK: '`id`',
  GW_HOSTILE_QUOTES: `"'$HOME'"`,
  GW_HOSTILE_SPACES: '  a  b  ',
  GW_HOSTILE_NEWLINE: 'one\ntwo',
  GW_HOSTILE_EMPTY: '',
  GW_HOSTILE_EQUALS: 'a=b=c',
};

async function echoOf(
  sup: ProcessSupervisor,
): Promise<{ argv: string[]; env: Record<string, string> }> {
  const line = new Promise<string>((resolve) => sup.once('output', (l) => resolve(l.text)));
  await sup.start();
  return JSON.parse(await line) as { argv: string[]; env: Record<string, string> };
}

describe('shell metacharacters reach the server verbatim', () => {
  it('passes args and env byte for byte, with no shell in between', async () => {
    await using sup = new ProcessSupervisor({
      id: 'hostile-verbatim',
      executable: process.execPath,
      args: [ECHO, ...args],
      env,
    });
    const echoed = await echoOf(sup);
    expect(echoed.argv).toEqual(args);
    expect(echoed.env).toEqual(env);
    // Nothing was executed by a shell: no canary file exists.
    for (const name of [
      'dollar',
      'backtick',
      'semicolon',
      'and',
      'pipe',
      'redirect',
      'env-dollar',
    ]) {
      expect(existsSync(canary(name)), name).toBe(false);
    }
  });

  it('runs an executable whose path has spaces and metacharacters as one file', async () => {
    const odd = join(scratch, 'my server; $(id) & co.mjs');
    writeFileSync(
      odd,
      `#!${process.execPath}\nprocess.stdout.write(JSON.stringify({argv: process.argv.slice(2), env: {}}) + '\\n');\n`,
      {
        mode: 0o755,
      },
    );
    await using sup = new ProcessSupervisor({ id: 'hostile-path', executable: odd, args: ['$1'] });
    expect((await echoOf(sup)).argv).toEqual(['$1']);
  });
});
