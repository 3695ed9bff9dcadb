import { describe, expect, it } from 'vitest';
import { BoundedQueue } from '../../src/util/bounded-queue.js';

describe('BoundedQueue', () => {
  it('hands items to a waiting consumer and buffers the rest in order', async () => {
    const q = new BoundedQueue<number>({ capacity: 10 });
    const first = q.next();
    q.push(1);
    q.push(2);
    q.push(3);
    expect(await first).toEqual({ value: 1, done: false });
    expect(await q.next()).toEqual({ value: 2, done: false });
    expect(await q.next()).toEqual({ value: 3, done: false });
  });

  it('drops the oldest beyond capacity and counts the loss', async () => {
    const q = new BoundedQueue<number>({ capacity: 3 });
    for (let i = 0; i < 5000; i += 1) q.push(i);
    expect(q.dropped).toBe(4997);
    q.close();
    const rest: number[] = [];
    for await (const v of q) rest.push(v);
    expect(rest).toEqual([4997, 4998, 4999]);
  });

  it('runs onClose exactly once, whichever way it ends', async () => {
    let closed = 0;
    const ac = new AbortController();
    const q = new BoundedQueue<number>({
      capacity: 1,
      signal: ac.signal,
      onClose: () => (closed += 1),
    });
    ac.abort();
    q.close();
    await q.return();
    expect(closed).toBe(1);
  });

  it('ignores pushes after close', async () => {
    const q = new BoundedQueue<number>({ capacity: 4 });
    q.close();
    q.push(1);
    expect(await q.next()).toEqual({ value: undefined, done: true });
  });
});
