import { describe, expect, it } from 'vitest';
import type { JobSpec } from '../domain.js';
import { gpuBook } from './gpu-holds.js';
import { chooseLender, lendRefusal, type LendableJob } from './lending.js';

const spec = (over: Partial<JobSpec> = {}): JobSpec => ({
  model: 'llama3-8b',
  gpus: 4,
  tokens: null,
  priority: 0,
  allowedJurisdictions: null,
  checkpointable: true,
  preemptible: true,
  deadline: null,
  command: ['train'],
  executor: null,
  env: {},
  ...over,
});

const job = (id: string, site: string, gpus: number, over: Partial<LendableJob> = {}): LendableJob => ({
  id,
  tenantId: 'ta',
  state: 'running',
  spec: spec(),
  priority: 0,
  placement: [{ site, gpus }],
  startedAt: 1000,
  checkpoint: { step: 10, path: null, at: 2000, site },
  ...over,
});

const sites = [
  { id: 'atl', gpus: 8 },
  { id: 'wi', gpus: 8 },
];

describe('lendRefusal', () => {
  it('lends only a running, checkpointing, preemptible job on one site that did not opt out', () => {
    expect(lendRefusal(job('a', 'atl', 4))).toBeNull();
    expect(lendRefusal(job('a', 'atl', 4, { state: 'checkpointing' }))).toBe('it is checkpointing');
    expect(lendRefusal(job('a', 'atl', 4, { spec: spec({ checkpointable: false }) }))).toMatch(/does not checkpoint/);
    expect(lendRefusal(job('a', 'atl', 4, { spec: spec({ preemptible: false }) }))).toMatch(/not preemptible/);
    expect(lendRefusal(job('a', 'atl', 4, { spec: spec({ lendable: false }) }))).toMatch(/opted out/);
    // its checkpoint is from an earlier run (or it has none): not yet
    expect(lendRefusal(job('a', 'atl', 4, { startedAt: 3000 }))).toMatch(/no checkpoint in this run/);
    expect(lendRefusal(job('a', 'atl', 4, { checkpoint: null }))).toMatch(/no checkpoint in this run/);
    const gang = job('a', 'atl', 4, {
      placement: [
        { site: 'atl', gpus: 4 },
        { site: 'wi', gpus: 4 },
      ],
    });
    expect(lendRefusal(gang)).toMatch(/exactly one site/);
  });
});

describe('chooseLender', () => {
  it('picks the lowest priority, then the latest checkpoint, on an allowed site that then has room', () => {
    const jobs = [
      job('high', 'atl', 4, { priority: 5 }),
      job('old-ck', 'atl', 4, { checkpoint: { step: 10, path: null, at: 1500, site: 'atl' } }),
      job('new-ck', 'atl', 4, { checkpoint: { step: 10, path: null, at: 2500, site: 'atl' } }),
      job('elsewhere', 'wi', 8, { priority: -5 }),
    ];
    const book = gpuBook(sites, [], []);
    // atl: 12 of 8 would be the jobs' sum; what matters is free + the lender's GPUs
    book.freeBySite.set('atl', 0);
    book.freeBySite.set('wi', 0);
    expect(chooseLender(book, jobs, ['atl'], 4)?.job.id).toBe('new-ck');
    expect(chooseLender(book, jobs, ['atl', 'wi'], 4)?.job.id).toBe('elsewhere');
    // a 6-GPU replica: no 4-GPU job frees enough on atl with nothing free; with 2 free one does
    expect(chooseLender(book, jobs, ['atl'], 6)).toBeNull();
    book.freeBySite.set('atl', 2);
    expect(chooseLender(book, jobs, ['atl'], 6)?.job.id).toBe('new-ck');
    expect(chooseLender(book, [job('x', 'atl', 4, { spec: spec({ lendable: false }) })], ['atl'], 4)).toBeNull();
    // a tenant that opted out keeps every job's GPUs; another tenant's job is lent instead
    const other = job('other', 'atl', 4, { tenantId: 'tb', priority: 3 });
    expect(chooseLender(book, [...jobs, other], ['atl'], 4, new Set(['ta']))?.job.id).toBe('other');
    expect(chooseLender(book, jobs, ['atl'], 4, new Set(['ta']))).toBeNull();
    expect(lendRefusal(job('a', 'atl', 4), true)).toMatch(/tenant opted out/);
  });
});
