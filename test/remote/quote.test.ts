import { execFileSync } from 'node:child_process';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isGamewardError } from '../../src/errors.js';
import { quoteShellArg, shellCommand } from '../../src/remote/quote.js';
import { type SshLease, SshLinks } from '../../src/remote/ssh-links.js';
import { sshConfig } from './endpoint.js';
import { describeWithSshd } from './sshd.js';

/**
 * printf prints each argument followed by NUL: the exact bytes each one arrived with. A first
 * argument of its own, since printf with none still prints its format once.
 */
const ECHO_ARGV = ['printf', '%s\\0', 'first'];

function arrived(stdout: Buffer | string): string[] {
  const text = typeof stdout === 'string' ? stdout : stdout.toString('utf8');
  return text.split('\0').slice(1, -1);
}

/** Any argument a user could give: full Unicode, quotes, newlines, shell syntax; no NUL. */
const argument = fc
  .oneof(
    fc.string({ unit: 'binary' }),
    fc.string({ unit: fc.constantFrom(...`'"\\$\`!*?[]{}~#&;|<>() \t\n=%-`.split('')) }),
  )
  .filter((s) => !s.includes('\0'));

describe('quoteShellArg / shellCommand', () => {
  it('quotes every argument, even ones that look harmless', () => {
    expect(quoteShellArg('abc')).toBe("'abc'");
    expect(quoteShellArg('')).toBe("''");
    expect(quoteShellArg("it's")).toBe("'it'\\''s'");
    expect(shellCommand(['echo', 'a b', '$HOME'])).toBe("'echo' 'a b' '$HOME'");
  });

  it.each([
    ['a NUL byte', 'a\0b', /NUL/],
    ['a lone surrogate', 'a\uD800b', /surrogate/],
  ])('refuses %s with ERR_INVALID_ARGUMENT naming the argument', (_what, arg, pattern) => {
    const error = (() => {
      try {
        shellCommand(['echo', 'fine', arg]);
      } catch (thrown) {
        return thrown;
      }
    })();
    expect(isGamewardError(error, 'ERR_INVALID_ARGUMENT')).toBe(true);
    expect((error as Error).message).toMatch(/`argv\[2\]`/);
    expect((error as Error).message).toMatch(pattern);
  });

  it('refuses an empty argv', () => {
    expect(() => shellCommand([])).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_ARGUMENT' }),
    );
  });

  it('keeps shell syntax inert: an assignment-like first word is a command name', () => {
    const command = shellCommand(['GW_X=1', 'true']);
    const status = (() => {
      try {
        execFileSync('/bin/sh', ['-c', command], { stdio: 'ignore' });
        return 0;
      } catch (error) {
        return (error as { status: number }).status;
      }
    })();
    expect(status).toBe(127);
  });

  it.each(['/bin/sh', '/bin/bash'])(
    'argv arrives byte-identical through a real %s -c (fuzz)',
    (shell) => {
      fc.assert(
        fc.property(fc.array(argument, { maxLength: 6 }), (args) => {
          const out = execFileSync(shell, ['-c', shellCommand([...ECHO_ARGV, ...args])]);
          expect(arrived(out)).toEqual(args);
        }),
        { numRuns: 150 },
      );
    },
  );
});

describeWithSshd('shellCommand through the real sshd', () => {
  let links: SshLinks;
  let lease: SshLease;
  beforeAll(() => {
    links = new SshLinks();
    lease = links.acquire(sshConfig());
  });
  afterAll(async () => {
    await links.close();
  });

  it('argv arrives byte-identical on the remote host (fuzz, the login shell is bash)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(argument, { maxLength: 6 }), async (args) => {
        const result = await lease.link.exec([...ECHO_ARGV, ...args]);
        expect(result.exitCode).toBe(0);
        expect(arrived(result.stdout)).toEqual(args);
      }),
      { numRuns: 60 },
    );
  });

  it('refuses NUL before anything reaches the remote side', async () => {
    await expect(lease.link.exec(['echo', 'a\0b'])).rejects.toMatchObject({
      code: 'ERR_INVALID_ARGUMENT',
    });
  });
});
