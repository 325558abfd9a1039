import { describe, expect, it } from 'vitest';
import { Rng } from '../core/rng.js';
import { EventQueue } from './event-queue.js';

describe('event queue', () => {
  it('pops in time order, ties in insertion order, across growth and slot reuse (oracle: a stable sort)', () => {
    const rng = new Rng(7);
    const q = new EventQueue();
    const pending: { t: number; seq: number; a: number }[] = [];
    const popped: number[] = [];
    const expected: number[] = [];
    let seq = 0;
    for (let round = 0; round < 40; round++) {
      for (let k = 0; k < 150; k++) {
        const t = Math.floor(rng.next() * 50) + round * 10; // many equal times
        q.push(t, 3, seq, -seq);
        pending.push({ t, seq, a: seq });
        seq++;
      }
      pending.sort((x, y) => x.t - y.t || x.seq - y.seq);
      for (let k = 0; k < 100; k++) {
        const e = q.pop()!;
        expect(e.b).toBe(-e.a);
        popped.push(e.a);
        expected.push(pending.shift()!.a);
      }
      expect(q.size).toBe(pending.length);
      expect(q.peek()!.a).toBe(pending[0].a);
    }
    expect(popped).toEqual(expected);
    while (q.size) q.pop();
    expect(q.pop()).toBeUndefined();
    expect(q.peek()).toBeUndefined();
  });

  it('rejects a time that is not a number >= 0', () => {
    expect(() => new EventQueue().push(Number.NaN, 0)).toThrow(/>= 0/);
    expect(() => new EventQueue().push(-1, 0)).toThrow(/>= 0/);
  });
});
