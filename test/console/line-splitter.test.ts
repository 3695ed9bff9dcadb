import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LineSplitter, MAX_LINE_LENGTH } from '../../src/console/line-splitter.js';

function collect(maxLineLength?: number): { lines: string[]; splitter: LineSplitter } {
  const lines: string[] = [];
  const splitter = new LineSplitter(
    (text) => lines.push(text),
    maxLineLength === undefined ? {} : { maxLineLength },
  );
  return { lines, splitter };
}

/** The obvious (slow) definition the splitter must agree with. */
function reference(text: string, max: number): string[] {
  const parts = text.split(/\r\n|\r|\n/);
  if (parts.at(-1) === '') parts.pop();
  const out: string[] = [];
  for (let line of parts) {
    while (line.length > max) {
      const high = line.charCodeAt(max - 1);
      const cut = high >= 0xd800 && high <= 0xdbff ? max - 1 : max;
      out.push(line.slice(0, cut));
      line = line.slice(cut);
    }
    out.push(line);
  }
  return out;
}

describe('LineSplitter', () => {
  it('ends lines on \\n, \\r\\n and a lone \\r, keeping empty lines', () => {
    const { lines, splitter } = collect();
    splitter.push('a\nb\r\nc\rd\n\ne');
    expect(lines).toEqual(['a', 'b', 'c', 'd', '']);
    splitter.flush();
    expect(lines).toEqual(['a', 'b', 'c', 'd', '', 'e']);
  });

  it('counts a \\r\\n split across two chunks as one line end', () => {
    const { lines, splitter } = collect();
    splitter.push(Buffer.from('first\r'));
    expect(lines).toEqual(['first']);
    splitter.push(Buffer.from('\nsecond\r'));
    splitter.push(Buffer.from('\r\n'));
    splitter.flush();
    expect(lines).toEqual(['first', 'second', '']);
  });

  it('keeps a multi-byte character split across chunks whole', () => {
    const { lines, splitter } = collect();
    const bytes = Buffer.from('héllo 😀 wörld\n');
    for (const byte of bytes) splitter.push(Buffer.of(byte));
    expect(lines).toEqual(['héllo 😀 wörld']);
  });

  it('emits a line longer than the maximum in pieces of the maximum', () => {
    const { lines, splitter } = collect(4);
    splitter.push('abcdefghij\n');
    expect(lines).toEqual(['abcd', 'efgh', 'ij']);
  });

  it('does not emit an empty piece for a line exactly the maximum long', () => {
    const { lines, splitter } = collect(4);
    splitter.push('ab');
    splitter.push('cd');
    splitter.push('\nabcdabcd\n');
    expect(lines).toEqual(['abcd', 'abcd', 'abcd']);
  });

  it('never buffers more than the maximum of an endless line', () => {
    const { lines, splitter } = collect();
    const chunk = 'x'.repeat(10_000);
    for (let i = 0; i < 100; i++) splitter.push(chunk);
    // 1,000,000 characters without a newline: 15 full pieces out, the rest (< 64 KiB) held.
    expect(lines).toHaveLength(Math.floor(1_000_000 / MAX_LINE_LENGTH));
    expect(lines.every((line) => line.length === MAX_LINE_LENGTH)).toBe(true);
    splitter.flush();
    expect(lines.at(-1)).toHaveLength(1_000_000 % MAX_LINE_LENGTH);
  });

  it('does not cut a surrogate pair in half', () => {
    const { lines, splitter } = collect(3);
    splitter.push('ab😀cd\n');
    expect(lines).toEqual(['ab', '😀c', 'd']);
  });

  it('flush emits nothing when the stream ended on a line end', () => {
    const { lines, splitter } = collect();
    splitter.push('done\n');
    splitter.flush();
    expect(lines).toEqual(['done']);
  });

  it('flush turns an incomplete UTF-8 sequence into a replacement character', () => {
    const { lines, splitter } = collect();
    splitter.push(Buffer.from([0x61, 0xe2, 0x82]));
    splitter.flush();
    expect(lines).toEqual(['a\ufffd']);
  });

  it('agrees with a plain split for any text cut into any byte chunks', () => {
    const piece = fc.oneof(
      fc.constantFrom('\r', '\n', '\r\n', 'é', '😀', '€', 'x'),
      fc.string({ unit: 'binary', maxLength: 12 }),
    );
    fc.assert(
      fc.property(
        fc.array(piece, { maxLength: 40 }),
        fc.array(fc.nat(), { maxLength: 10 }),
        fc.integer({ min: 2, max: 20 }),
        (pieces, cuts, max) => {
          const bytes = Buffer.from(pieces.join(''));
          const text = bytes.toString('utf8');
          const { lines, splitter } = collect(max);
          const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort(
            (a, b) => a - b,
          );
          let from = 0;
          for (const to of [...points, bytes.length]) {
            splitter.push(bytes.subarray(from, to));
            from = to;
          }
          splitter.flush();
          expect(lines).toEqual(reference(text, max));
        },
      ),
      { numRuns: 500 },
    );
  });
});
