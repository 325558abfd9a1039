// Short versions of `npm run fuzz` and `npm run chaos` (CI): the same campaigns, fewer requests and rounds.
import { describe, expect, it } from 'vitest';
import { chaos } from '../../scripts/chaos.js';
import { fuzz } from '../../scripts/fuzz.js';

describe('campaigns', () => {
  it('fuzz: no 5xx, every 4xx in the common error shape, ready afterwards', async () => {
    const r = await fuzz({ requests: 400, seconds: 60, seed: 3 });
    expect(r.requests).toBeGreaterThan(100);
    expect(r.violations).toEqual([]);
    expect(Object.keys(r.byStatus).some((s) => s.startsWith('4'))).toBe(true);
  }, 120_000);

  it('chaos: kill -9 loses no acknowledged job and duplicates none', async () => {
    const r = await chaos({ rounds: 2, jobs: 30, seed: 11 });
    expect(r.rounds).toBe(2);
    expect(r).toMatchObject({ lost: [], duplicated: [], notReady: 0 });
  }, 180_000);
});
