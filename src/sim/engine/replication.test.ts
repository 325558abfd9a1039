import { describe, expect, it } from 'vitest';
import type { Run } from './context.js';
import { replicatedSaved, replicationSeconds, replicationWanBytes } from './replication.js';

// a segment from t=0: no startup, full speed, a 10 s checkpoint after every 100 s of compute
const run = {
  seg: {
    startS: 0,
    startupS: 0,
    baseWorkS: 0,
    savedWorkS: 0,
    speed: 1,
    intervalS: 100,
    checkpointS: 10,
    totalWorkS: 1e6,
  },
} as Run;

describe('checkpoint replication in the twin', () => {
  it('copy time is the bytes each site sends over its share of the link', () => {
    // 2 sites: each sends half of a 16 GB checkpoint over 10 Gbps: 8e9 x 8 / 1e10 = 6.4 s
    expect(replicationSeconds(16e9, 2, 10)).toBeCloseTo(6.4, 9);
    // 4 sites: a quarter each, over parallel links
    expect(replicationSeconds(16e9, 4, 10)).toBeCloseTo(3.2, 9);
    expect(replicationSeconds(16e9, 1, 10)).toBe(0);
    expect(replicationSeconds(16e9, 2, 0)).toBe(Infinity);
    expect(replicationWanBytes(16e9, 2)).toBe(16e9);
    expect(replicationWanBytes(16e9, 3)).toBe(32e9);
  });

  it('a checkpoint counts only once its copy finished', () => {
    // checkpoint 1 completes at 110 s, checkpoint 2 at 220 s
    expect(replicatedSaved(run, 115, 0)).toEqual({ saved: 100, atS: 110 });
    expect(replicatedSaved(run, 115, 4)).toEqual({ saved: 100, atS: 110 }); // copied by 114
    expect(replicatedSaved(run, 115, 6)).toEqual({ saved: 0, atS: null }); // still copying: nothing saved yet
    expect(replicatedSaved(run, 225, 6)).toEqual({ saved: 100, atS: 110 }); // checkpoint 2 not yet copied
    expect(replicatedSaved(run, 225, Infinity)).toEqual({ saved: 0, atS: null }); // no link: never replicated
  });
});
