import { describe, expect, it } from 'vitest';
import { BASELINE_REPORTS, STRAGGLER_REPORTS, StragglerWatch } from './stragglers.js';

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
      {
        i: STRAGGLER_REPORTS - 1,
        reference: 'fastest-part',
        site: 'b',
        seconds: 0.2,
        fastestSite: 'a',
        fastestSeconds: 0.1,
        ratio: 2,
      },
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

  it('flags a part persistently slower than the plan predicts, calibrated on the start of the run', () => {
    const w = new StragglerWatch();
    // one-site job: no other part to compare with. The plan says 1 ms; the CPU slots take 100 ms (calibration 100)
    for (let i = 0; i < BASELINE_REPORTS + 20; i++)
      expect(w.observe('j', 1, 'a', 0.1 + (i % 3) * 0.01, 0.001)).toBeNull();
    const flagged = [];
    for (let i = 0; i < 10; i++) {
      const s = w.observe('j', 1, 'a', 0.2, 0.001); // twice the calibrated prediction from here on
      if (s) flagged.push({ i, ...s });
    }
    expect(flagged).toHaveLength(1);
    expect(flagged[0]).toMatchObject({ i: STRAGGLER_REPORTS - 1, reference: 'plan', site: 'a', planSeconds: 0.001 });
    expect(flagged[0].reference === 'plan' && flagged[0].calibration).toBeCloseTo(100, 9);
    expect(flagged[0].ratio).toBeCloseTo(2, 9);
  });

  it('every part slowing down together is slower than the plan, not than the fastest part', () => {
    const w = new StragglerWatch();
    for (let i = 0; i < BASELINE_REPORTS; i++) {
      w.observe('j', 1, 'a', 0.1, 0.1);
      w.observe('j', 1, 'b', 0.1, 0.1);
    }
    const sites = new Set<string>();
    for (let i = 0; i < STRAGGLER_REPORTS; i++)
      for (const site of ['a', 'b']) {
        const s = w.observe('j', 1, site, 0.3, 0.1);
        if (s) {
          expect(s.reference).toBe('plan');
          sites.add(s.site);
        }
      }
    expect([...sites].sort()).toEqual(['a', 'b']);
    // and a part within 1.5x of the calibrated plan is never flagged
    const v = new StragglerWatch();
    for (let i = 0; i < 30; i++) expect(v.observe('k', 1, 'a', 0.14, 0.1)).toBeNull();
  });
});
