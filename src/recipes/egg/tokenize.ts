import { GamewardError } from '../../errors.js';

/** A piece of one word: literal text, or a variable reference filled in later. */
export type WordPart =
  | { readonly kind: 'text'; readonly text: string; readonly quoted: boolean }
  | {
      readonly kind: 'var';
      readonly name: string;
      readonly quoted: boolean;
      /** `{{VAR}}` is an egg variable (required); `$VAR`/`${VAR}` is a shell variable. */
      readonly syntax: 'egg' | 'shell';
    };

/** One word of a command line, before variables are filled in. */
export type Word = readonly WordPart[];

const SPACE = new Set([' ', '\t', '\n', '\r']);
const SHELL_OPERATORS: Readonly<Record<string, string>> = {
  '|': 'a pipe or `||`',
  '&': 'a background job or `&&`',
  ';': 'a command separator',
  '<': 'a redirection',
  '>': 'a redirection',
  '(': 'a subshell',
  ')': 'a subshell',
  '`': 'command substitution',
  '*': 'a glob',
};
const NAME = /^[A-Za-z_][A-Za-z0-9_]*/;
const EGG_NAME = /^[A-Za-z_][A-Za-z0-9_.]*/;

/**
 * Splits a Pterodactyl/Pelican startup string into words the way bash would for the subset eggs
 * need: spaces, single and double quotes, backslash escapes, `{{VAR}}`, `${VAR}` and `$VAR`.
 * Everything that needs a real shell (pipes, `&&`, `;`, redirections, `$(...)`, backticks,
 * globs, `${VAR:-x}`) is refused with `ERR_UNSUPPORTED` naming the construct and its offset,
 * never passed through mangled. An unterminated quote is `ERR_INVALID_CONFIG`.
 */
export function tokenize(input: string): Word[] {
  const words: Word[] = [];
  let parts: WordPart[] = [];
  let inWord = false;
  let text = '';
  let textQuoted = false;
  let i = 0;

  const flushText = (): void => {
    if (text.length > 0 || textQuoted) parts.push({ kind: 'text', text, quoted: textQuoted });
    text = '';
    textQuoted = false;
  };
  const addText = (chunk: string, quoted: boolean): void => {
    if (quoted !== textQuoted && (text.length > 0 || textQuoted)) flushText();
    textQuoted = quoted;
    text += chunk;
    inWord = true;
  };
  const addVar = (name: string, quoted: boolean, syntax: 'egg' | 'shell'): void => {
    flushText();
    parts.push({ kind: 'var', name, quoted, syntax });
    inWord = true;
  };
  const endWord = (): void => {
    flushText();
    if (inWord) words.push(parts);
    parts = [];
    inWord = false;
  };
  // Reads `{{VAR}}`, `${VAR}` or `$VAR` at i; returns the index after it, or -1 if none is there.
  const readVar = (quoted: boolean): number => {
    if (input.startsWith('{{', i)) {
      const close = input.indexOf('}}', i + 2);
      const name = close < 0 ? '' : input.slice(i + 2, close).trim();
      if (close < 0 || EGG_NAME.exec(name)?.[0] !== name) return -1;
      addVar(name, quoted, 'egg');
      return close + 2;
    }
    if (input[i] !== '$') return -1;
    const next = input[i + 1];
    if (next === '(') unsupported(input, i, 'command substitution `$(...)`');
    if (next === '{') {
      const close = input.indexOf('}', i + 2);
      const name = close < 0 ? '' : input.slice(i + 2, close);
      if (NAME.exec(name)?.[0] !== name || name === '') {
        unsupported(
          input,
          i,
          'a parameter expansion with an operator (only plain braces are read)',
        );
      }
      addVar(name, quoted, 'shell');
      return close + 1;
    }
    const name = NAME.exec(input.slice(i + 1))?.[0];
    if (name !== undefined) {
      addVar(name, quoted, 'shell');
      return i + 1 + name.length;
    }
    if (next !== undefined && /[!?#@*$0-9-]/.test(next)) {
      unsupported(input, i, `the special parameter \`$${next}\``);
    }
    return -1;
  };

  while (i < input.length) {
    const c = input[i] as string;
    if (SPACE.has(c)) {
      endWord();
      i += 1;
    } else if (c === "'") {
      const close = input.indexOf("'", i + 1);
      if (close < 0) malformed(input, i, 'an unterminated single quote');
      addText(input.slice(i + 1, close), true);
      i = close + 1;
    } else if (c === '"') {
      i = readDoubleQuoted(input, i, addText, (at) => {
        i = at;
        return readVar(true);
      });
    } else if (c === '\\') {
      const next = input[i + 1];
      if (next === '\n') i += 2;
      else {
        addText(next ?? '\\', false);
        i += 2;
      }
    } else if (c === '#' && !inWord) {
      unsupported(input, i, 'a comment');
    } else if (Object.hasOwn(SHELL_OPERATORS, c)) {
      unsupported(input, i, SHELL_OPERATORS[c] as string);
    } else {
      const after = readVar(false);
      if (after >= 0) i = after;
      else {
        addText(c, false);
        i += 1;
      }
    }
  }
  endWord();
  return words;
}

// Double quotes: `\` escapes only `"`, `\`, `$` and a backquote; variables are expanded.
function readDoubleQuoted(
  input: string,
  start: number,
  addText: (chunk: string, quoted: boolean) => void,
  readVarAt: (at: number) => number,
): number {
  addText('', true);
  let i = start + 1;
  while (i < input.length) {
    const c = input[i] as string;
    if (c === '"') return i + 1;
    if (c === '\\') {
      const next = input[i + 1];
      if (next !== undefined && '"\\$`'.includes(next)) {
        addText(next, true);
        i += 2;
        continue;
      }
      if (next === '\n') {
        i += 2;
        continue;
      }
    }
    if (c === '`') unsupported(input, i, 'command substitution');
    const after = readVarAt(i);
    if (after >= 0) i = after;
    else {
      addText(c, true);
      i += 1;
    }
  }
  return malformed(input, start, 'an unterminated double quote');
}

function unsupported(input: string, at: number, what: string): never {
  throw new GamewardError(
    'ERR_UNSUPPORTED',
    `The startup command needs a shell: ${what} at offset ${at} (${excerpt(input, at)}). ` +
      'gameward runs servers without a shell; pass a plain command line as `startup`',
  );
}

function malformed(input: string, at: number, what: string): never {
  throw new GamewardError(
    'ERR_INVALID_CONFIG',
    `The startup command has ${what} at offset ${at} (${excerpt(input, at)})`,
  );
}

function excerpt(input: string, at: number): string {
  return JSON.stringify(input.slice(Math.max(0, at - 12), at + 12));
}
