import type { Word, WordPart } from './tokenize.js';

/** Returns a variable's value, or undefined when nothing defines it. */
export type VarLookup = (part: Extract<WordPart, { kind: 'var' }>) => string;

const FIELD_SEPARATOR = /[ \t\n]+/;

/**
 * Fills the variables of tokenized words and returns the argv. As in bash, a value inside
 * double quotes stays one argument, an unquoted value is split on whitespace (its quotes and
 * `$` are never re-read), and a word that expands to nothing unquoted disappears.
 */
export function expandWords(words: readonly Word[], lookup: VarLookup): string[] {
  const argv: string[] = [];
  for (const word of words) {
    let field = '';
    let real = false;
    for (const part of word) {
      const value = part.kind === 'text' ? part.text : lookup(part);
      if (part.kind === 'text' || part.quoted) {
        field += value;
        real = true;
        continue;
      }
      const pieces = value.split(FIELD_SEPARATOR);
      pieces.forEach((piece, index) => {
        if (index > 0 && real) {
          argv.push(field);
          field = '';
          real = false;
        }
        if (piece.length > 0) {
          field += piece;
          real = true;
        }
      });
    }
    if (real) argv.push(field);
  }
  return argv;
}
