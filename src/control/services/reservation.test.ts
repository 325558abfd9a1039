import { describe, expect, it } from 'vitest';
import { GpuReservation, reservationOf } from './reservation.js';

describe('GpuReservation', () => {
  it('runs holders one at a time, in arrival order, and goes on after one throws', async () => {
    const r = new GpuReservation();
    const log: string[] = [];
    const holder = (name: string, waits: number, fail = false) =>
      r.exclusive(async () => {
        log.push(`${name}+`);
        for (let i = 0; i < waits; i++) await new Promise((x) => setTimeout(x, 1));
        log.push(`${name}-`);
        if (fail) throw new Error(name);
        return name;
      });
    const all = await Promise.allSettled([holder('a', 3), holder('b', 1, true), holder('c', 0)]);
    expect(log).toEqual(['a+', 'a-', 'b+', 'b-', 'c+', 'c-']);
    expect(all.map((x) => x.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
  });

  it('is one per store', () => {
    const a = {};
    expect(reservationOf(a)).toBe(reservationOf(a));
    expect(reservationOf(a)).not.toBe(reservationOf({}));
  });
});
