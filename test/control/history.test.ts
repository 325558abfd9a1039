// GET /v1/history over real HTTP: samples per site and WAN link taken by the leader on a timer into the store,
// bounded by the retention, utilization and queue length that follow the jobs, bad queries named; a second
// replica on the same store serves the same history (and takes no samples), and a restart keeps it.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SqliteStore } from '../../src/control/store/index.js';
import { startTestServer, type Json, type TestServer } from './fixtures.js';
import { waitFor } from './helpers.js';

let t: TestServer;
beforeAll(async () => {
  // a sample every 100 ms, kept 1 s: at most 10 samples
  t = await startTestServer({ history: { sampleMs: 100, retentionMs: 1000 } });
});
afterAll(async () => {
  await t?.close();
});

const history = async (q = '') => (await t.req('GET', `/v1/history${q}`, t.admin)).body as Json;

describe('GET /v1/history', () => {
  it('samples every site and WAN link on a timer, keeping only the retention', async () => {
    await waitFor(async () => (await history()).samples.length >= 10, 10_000);
    await new Promise((r) => setTimeout(r, 500));
    const h = await history();
    expect(h).toMatchObject({ sampleS: 0.1, retentionS: 1, storage: 'store' });
    expect(h.samples.length).toBeLessThanOrEqual(10);
    expect(h.samples.length).toBeGreaterThanOrEqual(5);
    const ats = h.samples.map((s: Json) => Date.parse(s.at));
    expect([...ats].sort((a, b) => a - b)).toEqual(ats);
    expect(ats[ats.length - 1] - ats[0]).toBeLessThanOrEqual(1000);
    expect(h.samples[0].sites.map((s: Json) => s.id)).toEqual(['atl', 'wi']);
    expect(h.samples[0].wanLinks.map((l: Json) => l.id)).toHaveLength(1);
  });

  it('follows the jobs: GPUs in use on the site that runs one, the queue of the site a job waits for', async () => {
    const body = { model: 'llama3-8b', gpus: 8, tokens: 1e14, allowedJurisdictions: ['US-GA'] };
    const a = await t.req('POST', '/v1/jobs', t.admin, { name: 'fills atl', ...body });
    expect(a.status).toBe(201);
    await waitFor(async () => (await t.req('GET', `/v1/jobs/${a.body.job.id}`, t.admin)).body.job.state === 'running');
    const b = await t.req('POST', '/v1/jobs', t.admin, { name: 'waits for atl', ...body });
    expect(b.status).toBe(201);
    const last = async () => {
      const s = (await history()).samples;
      return s[s.length - 1];
    };
    // Both conditions: a sample taken between the scheduler's phases may see the queue before the first job's GPUs.
    await waitFor(async () => {
      const atl = (await last()).sites.find((s: Json) => s.id === 'atl');
      return atl.queued === 1 && atl.usedGpus === 8;
    }, 10_000);
    const s = await last();
    const atl = s.sites.find((x: Json) => x.id === 'atl');
    const wi = s.sites.find((x: Json) => x.id === 'wi');
    expect(atl).toMatchObject({ usedGpus: 8, utilization: 1, queued: 1 });
    expect(atl.powerDrawMW).toBeGreaterThan(wi.powerDrawMW);
    expect(wi).toMatchObject({ usedGpus: 0, utilization: 0, queued: 0 });
  });

  it('takes hours to look back, and names a bad one', async () => {
    const all = (await history()).samples.length;
    expect((await history('?hours=0.0001')).samples.length).toBeLessThan(all); // 0.36 s of the 1 s kept
    const r = await t.req('GET', '/v1/history?hours=-1', t.admin);
    expect(r.status).toBe(400);
    expect(r.body.errors[0].path).toBe('hours');
    const u = await t.req('GET', '/v1/history', null);
    expect(u.status).toBe(401);
  });
});

describe('GET /v1/history from the store', () => {
  it('is served alike by a second replica (which takes no samples) and survives a restart', async () => {
    const history = { sampleMs: 100, retentionMs: 600_000 };
    const a = await startTestServer({ history });
    const path = join(a.dir, 'control.db');
    const b = await startTestServer({ history, schedule: false, store: new SqliteStore({ path }) });
    let c: Awaited<ReturnType<typeof startTestServer>> | null = null;
    try {
      const read = async (s: typeof a) => (await s.req('GET', '/v1/history', s.admin)).body.samples as Json[];
      await waitFor(async () => (await read(a)).length >= 5, 10_000);
      const fromA = await read(a);
      const fromB = await read(b);
      // B read a moment later: it may hold one more sample, never different ones
      const byAt = new Map(fromB.map((s) => [s.at, s]));
      const common = fromA.filter((s) => byAt.has(s.at));
      expect(common.length).toBeGreaterThanOrEqual(fromA.length - 1);
      for (const s of common) expect(byAt.get(s.at)).toEqual(s);

      await a.close();
      const stopped = (await read(b)).length;
      await new Promise((r) => setTimeout(r, 500));
      expect((await read(b)).length, 'a follower must not sample').toBe(stopped);
      await b.close();

      // a restart on the same file: the history is there before the new leader's first sample
      c = await startTestServer({
        history: { sampleMs: 60_000, retentionMs: 600_000 },
        store: new SqliteStore({ path }),
      });
      const after = await read(c);
      expect(after.length).toBe(stopped);
      expect(after.slice(0, common.length)).toEqual(fromB.slice(0, common.length));
    } finally {
      await c?.close();
    }
  });
});
