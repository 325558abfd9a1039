import { describe, expect, it } from 'vitest';
import { LogFollower, OffsetFollower, groupedByRank } from './jobs-logs.js';

/** The local executor's answer: each rank's lines in order, ranks one after another. */
const snapshot = (ranks: string[][]) => ranks.flatMap((lines, r) => lines.map((l) => `[rank ${r}] ${l}`)).join('\n');

describe('LogFollower', () => {
  it('prints each new line once, per rank, though ranks are grouped not interleaved', () => {
    const f = new LogFollower();
    expect(f.update('')).toEqual([]);
    expect(f.update(snapshot([['a1'], ['b1']]))).toEqual(['[rank 0] a1', '[rank 1] b1']);
    // rank 0 grew: its new line sits in the middle of the text
    expect(f.update(snapshot([['a1', 'a2'], ['b1']]))).toEqual(['[rank 0] a2']);
    expect(f.update(snapshot([['a1', 'a2'], ['b1']]))).toEqual([]);
    expect(
      f.update(
        snapshot([
          ['a1', 'a2', 'a3'],
          ['b1', 'b2'],
        ]),
      ),
    ).toEqual(['[rank 0] a3', '[rank 1] b2']);
  });

  it('counts repeated identical lines (a plain count, not a text match, below the cap)', () => {
    const f = new LogFollower();
    expect(f.update('tick\ntick')).toEqual(['tick', 'tick']);
    expect(f.update('tick\ntick\ntick')).toEqual(['tick']);
  });

  it('resumes after the last printed line when the server cut the tail window', () => {
    const cap = 40;
    const f = new LogFollower(cap);
    const lines = Array.from({ length: 20 }, (_, i) => `line ${String(i).padStart(2, '0')}`);
    // Windows of the last `cap` characters, as the server answers; the first line may be cut.
    const tail = (n: number) => lines.slice(0, n).join('\n').slice(-cap);
    const printed: string[] = [];
    const gaps: boolean[] = [];
    for (const n of [4, 6, 9, 12, 13, 20]) {
      printed.push(...f.update(tail(n)));
      gaps.push(f.gap);
    }
    // Lines 13-15 were never in any window (the log grew by more than the window between two polls): the
    // follower says so, and prints every line it saw exactly once, in order.
    expect(printed).toEqual([...lines.slice(0, 13), ...lines.slice(16, 20)]);
    expect(gaps).toEqual([false, false, false, false, false, true]);
  });
});

describe('OffsetFollower', () => {
  it('prints complete lines once, asks again for a line still being written, flushes it at the end', () => {
    const f = new OffsetFollower();
    expect(f.update({ offset: 0, text: '[rank 0] a1\n[rank 0] a' })).toEqual(['[rank 0] a1']);
    expect(f.offset).toBe(Buffer.byteLength('[rank 0] a1\n'));
    // the half line grew in place and more came: asked again from its start
    expect(f.update({ offset: f.offset, text: '[rank 0] a2 é€\n[rank 0] a3\n[rank 0] a4' })).toEqual([
      '[rank 0] a2 é€',
      '[rank 0] a3',
    ]);
    expect(f.offset).toBe(Buffer.byteLength('[rank 0] a1\n[rank 0] a2 é€\n[rank 0] a3\n'));
    expect(f.update({ offset: f.offset, text: '[rank 0] a4' })).toEqual([]);
    expect(f.flush()).toEqual(['[rank 0] a4']);
    expect(f.printed).toEqual(['[rank 0] a1', '[rank 0] a2 é€', '[rank 0] a3', '[rank 0] a4']);
  });

  it('ignores a page from another offset, and tells a gang log grouped by rank', () => {
    const f = new OffsetFollower();
    expect(f.update({ offset: 5, text: 'x\n' })).toEqual([]);
    expect(f.offset).toBe(0);
    expect(groupedByRank('[rank 0] a\n[rank 1] b')).toBe(true);
    expect(groupedByRank('[rank 0] a\n[rank 0] rank 1 said hi')).toBe(false);
  });
});
