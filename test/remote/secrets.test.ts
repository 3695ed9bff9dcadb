import { readFileSync } from 'node:fs';
import { inspect } from 'node:util';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { ConfigValidator } from '../../src/config/validate.js';
import { normalizeRemoteHost } from '../../src/remote/options.js';
import { SshLinks } from '../../src/remote/ssh-links.js';
import { KEY, KEY_WITH_PASSPHRASE, passphrase, sshConfig } from './endpoint.js';
import { describeWithSshd, recordingLogger } from './sshd.js';

/** Lines of key material (base64 bodies), and the passphrase: none may appear anywhere. */
function secrets(): string[] {
  const bodies = [KEY, KEY_WITH_PASSPHRASE].flatMap((path) =>
    readFileSync(path, 'utf8')
      .split('\n')
      .filter((line) => line.length > 20 && !line.startsWith('-----')),
  );
  return [...bodies, passphrase()];
}

function expectNoSecret(texts: readonly string[]): void {
  const all = texts.join('\n');
  for (const secret of secrets()) expect(all).not.toContain(secret);
}

describeWithSshd('keys and passphrases are never logged', () => {
  let logger: ReturnType<typeof recordingLogger>;
  let links: SshLinks;
  beforeEach(() => {
    logger = recordingLogger();
    links = new SshLinks({
      logger,
      connectTimeoutMs: 2000,
      backoffInitialMs: 50,
      backoffMaxMs: 100,
    });
  });
  afterEach(async () => {
    await links.close();
  });

  it('through a login, a command and every error path (wrong passphrase, bad key text)', async () => {
    const keyText = readFileSync(KEY_WITH_PASSPHRASE, 'utf8');
    const good = sshConfig({ privateKey: keyText, passphrase: passphrase() });
    const { link } = links.acquire(good);
    expect((await link.exec(['echo', 'ok'])).stdout).toBe('ok\n');
    const errors: unknown[] = [];
    const wrongPassphrase = sshConfig({
      privateKey: KEY_WITH_PASSPHRASE,
      passphrase: 'not-it',
      port: 2222,
      user: 'nobody',
    });
    const bad = links.acquire(wrongPassphrase).link;
    await bad.waitUp().catch((error: unknown) => errors.push(error));
    expect(bad.status).toMatchObject({ reason: 'auth' });
    try {
      sshConfig({ privateKey: `${keyText.slice(0, 80)}garbage`, passphrase: passphrase() });
    } catch (error) {
      errors.push(error);
    }
    try {
      sshConfig({ privateKey: readFileSync(KEY, 'utf8').replace('-----BEGIN', 'BEGIN') });
    } catch (error) {
      errors.push(error);
    }
    expect(errors).toHaveLength(3);
    expect(logger.records.length).toBeGreaterThan(0);
    expectNoSecret([
      ...logger.records,
      ...errors.map((error) => inspect(error, { depth: 10 })),
      inspect(good, { depth: 10 }),
      JSON.stringify(good),
      `${good.privateKey?.kind === 'text' ? good.privateKey.text : ''}`,
      inspect(link, { depth: 4 }),
    ]);
  });

  it('validation messages name the field but never echo a key or passphrase', () => {
    const v = new ConfigValidator('rust-remote');
    const attempt = (ssh: Record<string, unknown>): string => {
      try {
        normalizeRemoteHost({ ssh: { host: '10.201.0.2', ...ssh } }, v);
        return '';
      } catch (error) {
        return (error as Error).message;
      }
    };
    const keyText = readFileSync(KEY, 'utf8');
    const message = attempt({
      privateKey: keyText.replace(/AAAA/, 'A!A'),
      passphrase: passphrase(),
    });
    expect(message).toMatch(
      /^Instance "rust-remote": expected `host\.ssh\.privateKey` to be a usable private key/,
    );
    expect(attempt({ passphrase: 7, privateKey: KEY })).toMatch(
      /`host\.ssh\.passphrase`.*not shown/,
    );
    expectNoSecret([message, attempt({ privateKey: keyText.replaceAll('-', '') })]);
  });
});
