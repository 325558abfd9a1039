// Cost and energy of live jobs from their transitions: busy stretches (placement per attempt, open stretches up
// to now), figures checked against hand-computed numbers (8 GPUs at 1,000 W for known hours and prices).
import { describe, expect, it } from 'vitest';
import { HourlyIntegral } from '../../sim/grid.js';
import type { Job, JobEvent, JobState } from '../domain.js';
import { addUsage, busySegments, usageOf, type SiteRates } from './usage.js';

const H = 3_600_000;
const T0 = Date.UTC(2026, 0, 1, 0, 0, 0); // hour 0 of the year: where the hourly series start

let seq = 0;
const tr = (at: number, to: JobState, data: Record<string, unknown> | null = null): JobEvent => ({
  seq: ++seq,
  at,
  type: 'job.transition',
  jobId: 'j',
  tenantId: 't',
  siteId: null,
  from: null,
  to,
  data,
});
const job = (state: JobState, placement: Job['placement'] = null) => ({ id: 'j', state, placement }) as Job;

/** 1,000 W per busy GPU; prices 100 USD/MWh in hour 0 and 200 after; carbon 400 g/kWh flat. */
const rates = new Map<string, SiteRates>([
  [
    'atl',
    {
      busyWPerGpu: new Map([['atl-pod', 1000]]),
      defaultBusyWPerGpu: 1000,
      price: new HourlyIntegral(Float64Array.of(100, 200, 200, 200), 0),
      carbon: new HourlyIntegral(Float64Array.of(400), 0),
    },
  ],
  ['wi', { busyWPerGpu: new Map(), defaultBusyWPerGpu: 500, price: null, carbon: null }],
]);

describe('busySegments', () => {
  it('opens at running, stays open through checkpointing, closes at any other state, per placement', () => {
    const atl = [{ site: 'atl', gpus: 8, pod: 'atl-pod' }];
    const wi = [{ site: 'wi', gpus: 4 }];
    const events = [
      tr(T0, 'admitted', { placement: atl }),
      tr(T0 + 0.1 * H, 'starting'),
      tr(T0 + 0.2 * H, 'running'),
      tr(T0 + 0.5 * H, 'checkpointing'),
      tr(T0 + 0.6 * H, 'preempted'),
      tr(T0 + 0.7 * H, 'queued'),
      tr(T0 + 0.8 * H, 'admitted', { placement: wi }),
      tr(T0 + 0.9 * H, 'running'),
    ];
    expect(busySegments(job('running', wi), events, T0 + 2 * H)).toEqual([
      { fromMs: T0 + 0.2 * H, toMs: T0 + 0.6 * H, parts: atl },
      { fromMs: T0 + 0.9 * H, toMs: T0 + 2 * H, parts: wi },
    ]);
    // a finished job's last stretch ends at its transition, never at now
    const done = [...events, tr(T0 + 1.5 * H, 'succeeded')];
    expect(busySegments(job('succeeded', wi), done, T0 + 9 * H).at(-1)).toEqual({
      fromMs: T0 + 0.9 * H,
      toMs: T0 + 1.5 * H,
      parts: wi,
    });
  });

  it("falls back to the job's placement for events written before transitions carried one", () => {
    const p = [{ site: 'atl', gpus: 2 }];
    expect(busySegments(job('running', p), [tr(T0, 'running')], T0 + H)).toEqual([
      { fromMs: T0, toMs: T0 + H, parts: p },
    ]);
  });
});

describe('usageOf', () => {
  const seg = { fromMs: T0 + 0.5 * H, toMs: T0 + 1.5 * H, parts: [{ site: 'atl', gpus: 8, pod: 'atl-pod' }] };

  it('GPU-hours, energy, cost over two hourly prices, emissions', () => {
    const u = usageOf([seg], rates, T0, T0 + 10 * H);
    expect(u.gpuHours).toBeCloseTo(8, 9); // 8 GPUs x 1 h
    expect(u.energyMWh).toBeCloseTo(0.008, 12); // 8 kW x 1 h
    expect(u.costUsd).toBeCloseTo(0.004 * 100 + 0.004 * 200, 9); // half an hour at each price
    expect(u.emissionsKgCO2e).toBeCloseTo(8 * 0.4, 9); // 8 kWh x 400 g/kWh
  });

  it('counts only the period asked for, and a site without series leaves cost and emissions unknown', () => {
    const u = usageOf([seg], rates, T0 + H, T0 + 10 * H); // the second half hour only
    expect(u.gpuHours).toBeCloseTo(4, 9);
    expect(u.costUsd).toBeCloseTo(0.004 * 200, 9);
    const w = usageOf([{ fromMs: T0, toMs: T0 + H, parts: [{ site: 'wi', gpus: 4 }] }], rates, T0, T0 + H);
    expect(w).toEqual({ gpuHours: 4, energyMWh: 0.002, costUsd: null, emissionsKgCO2e: null });
    expect(addUsage(u, w).costUsd).toBeNull();
    expect(addUsage(u, u).gpuHours).toBeCloseTo(8, 9);
    expect(usageOf([seg], rates, T0 + 5 * H, T0 + 6 * H).gpuHours).toBe(0);
  });
});
