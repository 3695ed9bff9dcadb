import { describeValue, GamewardError } from '../errors.js';

/** In `u` mode a surrogate pair is one code point: only a lone surrogate matches. */
const LONE_SURROGATE = /[\uD800-\uDFFF]/u;

/**
 * Quotes one argument for a POSIX shell (sh, dash, bash, zsh, ksh): the whole argument goes
 * inside single quotes, where no character is special, and each `'` becomes `'\''`. Nothing is
 * left bare: a bare `FOO=x` first word would be an assignment, `~x` a tilde expansion, `{a,b}` a
 * brace expansion in bash.
 *
 * Refuses (`ERR_INVALID_ARGUMENT`) what cannot arrive byte-identical: a NUL byte (argv strings
 * end at NUL) and a lone UTF-16 surrogate (it has no UTF-8 encoding and would arrive as U+FFFD).
 */
export function quoteShellArg(arg: string, field = 'argument'): string {
  if (typeof arg !== 'string') {
    throw new GamewardError(
      'ERR_INVALID_ARGUMENT',
      `expected \`${field}\` to be a string, got ${describeValue(arg)}`,
    );
  }
  if (arg.includes('\0')) {
    throw new GamewardError(
      'ERR_INVALID_ARGUMENT',
      `expected \`${field}\` to be a string without NUL bytes, got ${describeValue(arg)}`,
    );
  }
  if (LONE_SURROGATE.test(arg)) {
    throw new GamewardError(
      'ERR_INVALID_ARGUMENT',
      `expected \`${field}\` to be well-formed Unicode (no lone surrogate), got ${describeValue(arg)}`,
    );
  }
  return `'${arg.replaceAll("'", "'\\''")}'`;
}

/**
 * The one way gameward builds a command line for a remote shell: each element of `argv` quoted
 * by {@link quoteShellArg}, joined by spaces. The remote login shell (sshd runs `$SHELL -c`)
 * then executes `argv[0]` with exactly `argv[1..]`. Environment, cwd and redirections are
 * expressed as argv too (`['env', 'A=1', 'sh', '-c', 'cd "$1" && exec "$0"', ...]`), never by
 * pasting user text into a script.
 */
export function shellCommand(argv: readonly string[]): string {
  if (!Array.isArray(argv) || argv.length === 0) {
    throw new GamewardError(
      'ERR_INVALID_ARGUMENT',
      `expected \`argv\` to be a non-empty array of strings, got ${describeValue(argv)}`,
    );
  }
  return argv.map((arg, i) => quoteShellArg(arg, `argv[${i}]`)).join(' ');
}
