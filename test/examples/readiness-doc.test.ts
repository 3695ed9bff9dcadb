import { execFile } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const root = fileURLToPath(new URL('../../', import.meta.url));

/**
 * The Minecraft example of docs/readiness.md, run as written (issue 10, issue 18): from the
 * server's folder, with `java` a bare name on PATH. The `java` here is a stand-in that behaves
 * like the JVM for this purpose (no JVM and no Minecraft jar can be installed here): it refuses a
 * missing jar as `java -jar` does and prints Minecraft's real ready line.
 */
describe('docs/readiness.md: the Minecraft example', () => {
  it('runs as written from the server folder', async () => {
    const block = /```ts\n([\s\S]*?)```/.exec(
      readFileSync(join(root, 'docs/readiness.md'), 'utf8'),
    )?.[1];
    expect(block).toContain("executable: 'java'");
    const dir = mkdtempSync(join(tmpdir(), 'gw-mc-'));
    const bin = join(dir, 'bin');
    mkdirSync(bin);
    writeFileSync(
      join(bin, 'java'),
      [
        '#!/bin/sh',
        '[ "$1" = "-jar" ] && [ -f "$2" ] || { echo "Error: Unable to access jarfile $2" >&2; exit 1; }',
        `echo '[12:00:00] [Server thread/INFO]: Done (3.214s)! For help, type "help"'`,
        'while read line; do [ "$line" = stop ] && exit 0; done',
      ].join('\n'),
    );
    chmodSync(join(bin, 'java'), 0o755);
    writeFileSync(join(dir, 'server.jar'), 'not really a jar');
    const script = join(dir, 'example.mts');
    writeFileSync(
      script,
      `import { ProcessSupervisor } from ${JSON.stringify(join(root, 'src/index.ts'))};\n${block}\nconsole.log(server.state.state);\nawait server.close();\n`,
    );
    const tsx = join(root, 'node_modules/tsx/dist/esm/index.mjs');
    const { stdout } = await run(process.execPath, ['--import', tsx, script], {
      cwd: dir,
      env: { ...process.env, PATH: `${bin}:${process.env.PATH}` },
    });
    expect(stdout.trim()).toBe('running');
  });
});
