import { describe, expect, it } from 'vitest';
import { STRAGGLER_REPORTS, StragglerWatch } from './stragglers.js';

describe('straggler parts', () => {
  it('flags a part persistently slower than the fastest, once per attempt', () => {
    const w = new StragglerWatch();
    const flagged = [];
    for (let i = 0; i < 10; i++) {
      w.observe('j', 1, 'a', 0.1);
      const s = w.observe('j', 1, 'b', 0.2);
      if (s) flagged.push({ i, ...s });
    }
    expect(flagged).toEqual([
      { i: STRAGGLER_REPORTS - 1, site: 'b', seconds: 0.2, fastestSite: 'a', fastestSeconds: 0.1, ratio: 2 },
    ]);
    // a new attempt starts over
    let again = null;
    for (let i = 0; i < STRAGGLER_REPORTS; i++) {
      w.observe('j', 2, 'a', 0.1);
      again = w.observe('j', 2, 'b', 0.3) ?? again;
    }
    expect(again?.site).toBe('b');
  });

  it('does not flag noise or a part that catches up', () => {
    const w = new StragglerWatch();
    for (let i = 0; i < 20; i++) {
      w.observe('j', 1, 'a', 0.1);
      // slow every other report: never STRAGGLER_REPORTS in a row; within 1.5x otherwise
      expect(w.observe('j', 1, 'b', i % 2 ? 0.2 : 0.14)).toBeNull();
    }
    expect(w.observe('k', 1, 'a', 5)).toBeNull(); // one part alone: nothing to compare with
  });
});
