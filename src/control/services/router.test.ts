import { describe, expect, it } from 'vitest';
import { chooseReplica, rankReplicas, type Candidate, type RouteInput } from './router.js';

const c = (id: string, site: string, over: Partial<Candidate> = {}): Candidate => ({
  id,
  site,
  jurisdiction: site === 'atl' ? 'US-GA' : site === 'wi' ? 'US-WI' : 'DE',
  healthy: true,
  inflight: 0,
  ttftEwmaMs: 20,
  ...over,
});
const input = (candidates: Candidate[], over: Partial<RouteInput> = {}): RouteInput => ({
  candidates,
  allowedSites: null,
  allowedJurisdictions: null,
  ttftSloMs: 100,
  rttMs: new Map([
    ['atl', 0],
    ['wi', 14],
    ['fra', 90],
  ]),
  priorTtftMs: 25,
  ...over,
});

describe('router choice', () => {
  it('picks the replica with the lowest network + measured TTFT', () => {
    const r = chooseReplica(input([c('w1', 'wi', { ttftEwmaMs: 10 }), c('a1', 'atl', { ttftEwmaMs: 30 })]));
    // wi: 14 + 10 = 24 ms; atl: 0 + 30 = 30 ms
    expect(r?.candidate.id).toBe('w1');
    expect(r?.predictedTtftMs).toBe(24);
    expect(r?.networkRttMs).toBe(14);
    expect(r?.withinSlo).toBe(true);
  });

  it('counts requests in flight (processor sharing) and the prior for unmeasured replicas', () => {
    const ranked = rankReplicas(
      input([c('a1', 'atl', { inflight: 2, ttftEwmaMs: 20 }), c('w1', 'wi', { ttftEwmaMs: null })]),
    );
    expect(ranked.map((x) => [x.candidate.id, x.predictedTtftMs])).toEqual([
      ['w1', 14 + 25],
      ['a1', 60],
    ]);
  });

  it('skips unhealthy, excluded, other-site and other-jurisdiction replicas', () => {
    const all = [
      c('a1', 'atl', { healthy: false, ttftEwmaMs: 1 }),
      c('a2', 'atl', { ttftEwmaMs: 2 }),
      c('w1', 'wi', { ttftEwmaMs: 3 }),
      c('f1', 'fra', { ttftEwmaMs: 1 }),
    ];
    expect(rankReplicas(input(all)).map((x) => x.candidate.id)).toEqual(['a2', 'w1', 'f1']);
    expect(rankReplicas(input(all, { exclude: new Set(['a2']) })).map((x) => x.candidate.id)).toEqual(['w1', 'f1']);
    expect(rankReplicas(input(all, { allowedSites: ['wi', 'fra'] })).map((x) => x.candidate.id)).toEqual(['w1', 'f1']);
    expect(rankReplicas(input(all, { allowedJurisdictions: ['US'] })).map((x) => x.candidate.id)).toEqual(['a2', 'w1']);
    expect(chooseReplica(input(all, { allowedJurisdictions: ['FR'] }))).toBeNull();
  });

  it('still serves from the fastest replica when none is predicted within the SLO, and says so', () => {
    const r = chooseReplica(input([c('f1', 'fra', { ttftEwmaMs: 50 }), c('w1', 'wi', { ttftEwmaMs: 120 })]));
    expect(r?.candidate.id).toBe('w1'); // 134 ms vs 140 ms
    expect(r?.withinSlo).toBe(false);
  });

  it('breaks ties by id', () => {
    const r = chooseReplica(input([c('b', 'atl'), c('a', 'atl')]));
    expect(r?.candidate.id).toBe('a');
  });
});
