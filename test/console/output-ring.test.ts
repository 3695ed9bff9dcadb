import { describe, expect, it } from 'vitest';
import { OutputRing } from '../../src/console/output-ring.js';

const line = (text: string) => ({ stream: 'stdout' as const, text, time: 0 });
const texts = (ring: OutputRing, limit?: number) => ring.newest(limit).map((l) => l.text);

describe('OutputRing', () => {
  it('returns the newest lines oldest first, before and after it wraps', () => {
    const ring = new OutputRing(3);
    expect(texts(ring)).toEqual([]);
    ring.push(line('a'));
    ring.push(line('b'));
    expect(texts(ring)).toEqual(['a', 'b']);
    expect(texts(ring, 1)).toEqual(['b']);
    for (const t of ['c', 'd', 'e', 'f', 'g']) ring.push(line(t));
    expect(texts(ring)).toEqual(['e', 'f', 'g']);
    expect(texts(ring, 2)).toEqual(['f', 'g']);
    expect(texts(ring, 99)).toEqual(['e', 'f', 'g']);
    expect(texts(ring, 0)).toEqual([]);
  });

  it('keeps nothing with capacity 0, and forgets everything on clear', () => {
    const empty = new OutputRing(0);
    empty.push(line('a'));
    expect(texts(empty)).toEqual([]);
    const ring = new OutputRing(2);
    ring.push(line('a'));
    ring.push(line('b'));
    ring.push(line('c'));
    ring.clear();
    ring.push(line('d'));
    expect(texts(ring)).toEqual(['d']);
  });
});
