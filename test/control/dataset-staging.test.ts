// Dataset staging (issue 10): a job names its dataset folder per site; a site of its placement that lacks the
// folder gets a copy from a site that has it before the job starts (over loopback here: two local sites without
// namespaces; test/e2e/cross-site.test.ts runs gangs through the shaped link), recorded as job.staging; the
// command sees its site's folder as SUPERFACTORY_DATASET. Bad `datasets` fields are 422 naming the field.
import { mkdirSync, readFileSync, writeFileSync, existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadFabric } from '../../src/fabric/index.js';
import { LocalExecutor } from '../../src/control/executors/local.js';
import { TWO_SITES, startTestServer, type Json, type TestServer } from './fixtures.js';
import { waitFor } from './helpers.js';

describe('dataset staging before a cross-site job starts', () => {
  let t: TestServer;
  let dir: string;
  beforeAll(async () => {
    const fabric = await loadFabric(TWO_SITES);
    t = await startTestServer({
      fabric,
      siteBindings: (d) => {
        dir = d;
        return ['atl', 'wi'].map((site) => ({
          siteId: site,
          heartbeat: 'executor' as const,
          executor: new LocalExecutor({ root: join(d, 'runs', site), gpusPerProcess: 8 }),
        }));
      },
    });
  });
  afterAll(async () => {
    await t?.close();
  });

  const done = (id: string) =>
    waitFor(async () => {
      const j = (await t.req('GET', `/v1/jobs/${id}`, t.admin)).body.job;
      return ['succeeded', 'failed', 'cancelled'].includes(j.state) ? j : null;
    }, 60_000);

  it('copies the missing replica to wi before the gang starts; both parts read their own folder', async () => {
    const atl = join(dir, 'data', 'atl', 'corpus');
    const wi = join(dir, 'data', 'wi', 'corpus');
    mkdirSync(atl, { recursive: true });
    const shard = Buffer.alloc(300_000, 7);
    writeFileSync(join(atl, 'shard-0.bin'), shard);
    writeFileSync(join(atl, 'vocab.txt'), 'a b c\n');
    const r = await t.req('POST', '/v1/jobs', t.admin, {
      name: 'staged dataset',
      model: 'llama3-8b',
      gpus: 16,
      datasets: { atl, wi },
      // each part writes the files it sees in its dataset folder next to its run
      command: ['sh', '-c', 'ls "$SUPERFACTORY_DATASET" > "$SUPERFACTORY_CHECKPOINT_DIR/seen-$SUPERFACTORY_SITE"'],
    });
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    const j = await done(r.body.job.id);
    expect(j.state, j.reason).toBe('succeeded');
    expect(new Set(j.placement.map((p: Json) => p.site))).toEqual(new Set(['atl', 'wi']));
    expect(readFileSync(join(wi, 'shard-0.bin')).equals(shard)).toBe(true);
    expect(readFileSync(join(wi, 'vocab.txt'), 'utf8')).toBe('a b c\n');
    expect(existsSync(`${wi}.staging`)).toBe(false);
    const evs = (await t.req('GET', `/v1/jobs/${j.id}/events`, t.admin)).body.events as Json[];
    const staged = evs.filter((e) => e.type === 'job.staging');
    expect(staged).toHaveLength(1);
    expect(staged[0].data).toMatchObject({ site: 'wi', from: 'atl', path: wi, files: 2, over: 'loopback' });
    expect(staged[0].data.bytes).toBeGreaterThan(300_000); // the files plus one header line each
    expect(staged[0].data.seconds).toBeGreaterThan(0);
    // the copy came before the start: its event precedes the job's running transition
    const running = evs.find((e) => e.to === 'running')!;
    expect(staged[0].seq).toBeLessThan(running.seq);
    const ck = join(t.dir, 'checkpoints', j.id, 'sites');
    const seen = ['atl', 'wi'].map((s) =>
      readFileSync(join(ck, s, `seen-${s}`), 'utf8')
        .trim()
        .split('\n'),
    );
    expect(seen).toEqual([
      ['shard-0.bin', 'vocab.txt'],
      ['shard-0.bin', 'vocab.txt'],
    ]);
    // a second job finds the replica in place: no copy
    const again = await t.req('POST', '/v1/jobs', t.admin, {
      name: 'staged dataset again',
      model: 'llama3-8b',
      gpus: 16,
      datasets: { atl, wi },
      command: ['true'],
    });
    const j2 = await done(again.body.job.id);
    expect(j2.state).toBe('succeeded');
    const evs2 = (await t.req('GET', `/v1/jobs/${j2.id}/events`, t.admin)).body.events as Json[];
    expect(evs2.filter((e) => e.type === 'job.staging')).toEqual([]);
  }, 90_000);

  it('fails the job with the reason when no site has the dataset', async () => {
    const r = await t.req('POST', '/v1/jobs', t.admin, {
      name: 'no replica anywhere',
      model: 'llama3-8b',
      gpus: 16,
      datasets: { atl: join(dir, 'nowhere', 'a'), wi: join(dir, 'nowhere', 'b') },
      command: ['true'],
    });
    const j = await done(r.body.job.id);
    expect(j.state).toBe('failed');
    expect(j.reason).toMatch(/dataset: site \w+ has no .*nowhere.* and no other site in datasets has its folder/);
    expect(readdirSync(join(dir, 'runs', 'atl')).filter((k) => k.startsWith(j.id))).toEqual([]);
  }, 60_000);

  it('rejects bad datasets fields with 422 naming the field', async () => {
    const base = { name: 'x', model: 'llama3-8b', gpus: 8, command: ['true'] };
    const unknown = await t.req('POST', '/v1/jobs', t.admin, { ...base, datasets: { mars: '/data/x' } });
    expect(unknown.status).toBe(422);
    expect(unknown.body.errors).toEqual([
      expect.objectContaining({
        path: 'datasets.mars',
        message: 'unknown site mars',
        hint: expect.stringMatching(/atl, wi/),
      }),
    ]);
    const relative = await t.req('POST', '/v1/jobs', t.admin, { ...base, datasets: { atl: 'data/x' } });
    expect([400, 422]).toContain(relative.status);
    expect(JSON.stringify(relative.body)).toMatch(/datasets.*atl|absolute path/);
    const empty = await t.req('POST', '/v1/jobs', t.admin, { ...base, datasets: {} });
    expect([400, 422]).toContain(empty.status);
    expect(JSON.stringify(empty.body)).toMatch(/at least one site/);
  });
});
