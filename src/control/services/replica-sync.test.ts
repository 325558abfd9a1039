import { describe, expect, it } from 'vitest';
import type { StoredReplica } from '../store/services.js';
import { followRows, fromStored, toStored } from './replica-sync.js';
import type { Replica } from './replica.js';

const row = (id: string, serviceId: string, over: Partial<StoredReplica> = {}): StoredReplica => ({
  id,
  serviceId,
  site: 'atl',
  runKey: `svc-${id}`,
  host: '127.0.0.1',
  port: 41000,
  state: 'healthy',
  startedAt: 1,
  healthyAt: 2,
  reason: null,
  updatedAt: 3,
  ...over,
});

describe('replica rows', () => {
  it('round-trips a replica through its row (the process-local counts start at zero)', () => {
    const r = fromStored(row('a', 's1'), 'US-GA');
    expect(r).toMatchObject({ id: 'a', serviceId: 's1', jurisdiction: 'US-GA', inflight: 0, ttftEwmaMs: null });
    expect(toStored(r, 9)).toEqual(row('a', 's1', { updatedAt: 9 }));
  });

  it('a follower keeps its own replica records (in flight, EWMAs), takes the leader’s states, drops removed ones', () => {
    const m = new Map<string, Map<string, Replica>>();
    followRows(m, [row('a', 's1'), row('b', 's1'), row('c', 's2')], () => 'US-GA');
    expect([...m.get('s1')!.keys()]).toEqual(['a', 'b']);
    const a = m.get('s1')!.get('a')!;
    a.inflight = 2;
    a.ttftEwmaMs = 40;
    followRows(
      m,
      [row('a', 's1', { state: 'unhealthy', reason: 'no answer' }), row('c', 's2', { port: 42000 })],
      () => 'US-GA',
    );
    expect(m.get('s1')!.get('a')).toBe(a);
    expect(a).toMatchObject({ state: 'unhealthy', reason: 'no answer', inflight: 2, ttftEwmaMs: 40 });
    expect([...m.get('s1')!.keys()]).toEqual(['a']);
    expect(m.get('s2')!.get('c')!.port).toBe(42000);
    followRows(m, [], () => 'US-GA');
    expect([...m.values()].map((x) => x.size)).toEqual([0, 0]);
  });
});
