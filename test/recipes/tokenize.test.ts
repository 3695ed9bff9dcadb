import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isGamewardError } from '../../src/errors.js';
import { expandWords } from '../../src/recipes/egg/expand.js';
import { tokenize } from '../../src/recipes/egg/tokenize.js';

const VARS: Record<string, string> = { PORT: '27015', NAME: 'A Rust Server', EMPTY: '' };
const argv = (line: string, vars = VARS): string[] =>
  expandWords(tokenize(line), (part) => vars[part.name] ?? '');

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
    return undefined;
  } catch (error) {
    return isGamewardError(error) ? error.code : 'not a GamewardError';
  }
}

describe('tokenize + expandWords', () => {
  it('splits on whitespace and keeps quoted spaces', () => {
    expect(argv(`./srv  -a 'b c'  "d e" f\\ g`)).toEqual(['./srv', '-a', 'b c', 'd e', 'f g']);
  });

  // biome-ignore lint/suspicious/noTemplateCurlyInString: shell syntax is the input under test
  it('fills {{VAR}}, ${VAR} and $VAR; quoted values stay one argument', () => {
    // biome-ignore lint/suspicious/noTemplateCurlyInString: shell syntax is the input under test
    expect(argv('x -port={{PORT}} "{{NAME}}" ${PORT} $PORT')).toEqual([
      'x',
      '-port=27015',
      'A Rust Server',
      '27015',
      '27015',
    ]);
  });

  it('splits unquoted values on whitespace and drops empty ones, as bash does', () => {
    expect(argv('x {{NAME}} {{EMPTY}} "{{EMPTY}}" a{{NAME}}b')).toEqual([
      'x',
      'A',
      'Rust',
      'Server',
      '',
      'aA',
      'Rust',
      'Serverb',
    ]);
  });

  it('keeps escaped quotes literal (the Rust egg\'s \\"{{HOSTNAME}}\\")', () => {
    expect(argv('x +server.hostname \\"{{NAME}}\\"')).toEqual([
      'x',
      '+server.hostname',
      '"A',
      'Rust',
      'Server"',
    ]);
  });

  it('never re-reads quotes or $ inside a value', () => {
    expect(argv('x {{V}}', { V: `"$(rm -rf /)" 'a'` })).toEqual([
      'x',
      '"$(rm',
      '-rf',
      '/)"',
      "'a'",
    ]);
  });

  it.each([
    ['a | b', 'a pipe'],
    ['a && b', 'a background job'],
    ['a; b', 'a command separator'],
    ['a > log', 'a redirection'],
    ['a < in', 'a redirection'],
    ['a $(date)', 'command substitution'],
    ['a "$(date)"', 'command substitution'],
    ['a `date`', 'command substitution'],
    ['(a)', 'a subshell'],
    ['./*-Linux-Shipping', 'a glob'],
    // biome-ignore lint/suspicious/noTemplateCurlyInString: shell syntax is the input under test
    ['a ${X:-y}', 'parameter expansion'],
    ['a $!', 'special parameter'],
    ['# comment', 'a comment'],
  ])('refuses the shell construct in %j with ERR_UNSUPPORTED', (line, what) => {
    expect(codeOf(() => tokenize(line))).toBe('ERR_UNSUPPORTED');
    expect(() => tokenize(line)).toThrow(what);
  });

  it('reads shell characters inside quotes as text', () => {
    expect(argv(`x 'a|b&&c;d>e' "f|g;h"`)).toEqual(['x', 'a|b&&c;d>e', 'f|g;h']);
  });

  it('reports an unterminated quote as ERR_INVALID_CONFIG with its offset', () => {
    expect(codeOf(() => tokenize(`x "abc`))).toBe('ERR_INVALID_CONFIG');
    expect(() => tokenize(`x 'abc`)).toThrow('offset 2');
  });

  // The fuzz: any list of arguments, quoted the way a careful human would, comes back unchanged.
  const arg = fc.string({ unit: 'grapheme', maxLength: 20 });
  it('round-trips single-quoted arguments (fuzz)', () => {
    fc.assert(
      fc.property(fc.array(arg, { minLength: 1, maxLength: 8 }), (args) => {
        const line = args.map((a) => `'${a.replaceAll("'", `'\\''`)}'`).join(' ');
        expect(argv(line, {})).toEqual(args);
      }),
      { numRuns: 500 },
    );
  });

  it('round-trips double-quoted arguments (fuzz)', () => {
    fc.assert(
      fc.property(fc.array(arg, { minLength: 1, maxLength: 8 }), (args) => {
        const line = args.map((a) => `"${a.replace(/["\\$`]/g, '\\$&')}"`).join('\t');
        expect(argv(line, {})).toEqual(args);
      }),
      { numRuns: 500 },
    );
  });

  it('passes variable values through untouched, whatever they contain (fuzz)', () => {
    fc.assert(
      fc.property(arg, (value) => {
        expect(argv('x "{{V}}"', { V: value })).toEqual(['x', value]);
      }),
      { numRuns: 500 },
    );
  });

  it('either parses or throws a coded GamewardError, on any input (fuzz)', () => {
    const shellish = fc.string({
      // biome-ignore lint/suspicious/noTemplateCurlyInString: shell syntax is the input under test
      unit: fc.constantFrom(...' \t\'"\\$`{}()|&;<>*#abcXY_=/.-'.split(''), '{{A}}', '${A}'),
      maxLength: 40,
    });
    fc.assert(
      fc.property(fc.oneof(shellish, fc.string()), (line) => {
        const code = codeOf(() => argv(line));
        expect([undefined, 'ERR_UNSUPPORTED', 'ERR_INVALID_CONFIG']).toContain(code);
      }),
      { numRuns: 2000 },
    );
  });
});
