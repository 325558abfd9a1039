// One conformance suite for the Store interface, run against every backend (drizzle / BullMQ style).
// Known gaps per backend:
// - sqlite: one writer process at a time (several replicas need PostgreSQL); leases work but only
//   within one machine's file; durability is WAL + synchronous=NORMAL (survives kill -9, not power loss).
// - postgres: lease expiry compares the replicas' own clocks (assumes NTP-level skew, far below the 5 s TTL).
import type { JobPlan } from '../../src/contract/index.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JobSpec } from '../../src/control/domain.js';
import {
  ConflictError,
  DuplicateError,
  IllegalTransitionError,
  InvalidInputError,
  NotFoundError,
} from '../../src/control/domain.js';
import type { PostgresStore, Store } from '../../src/control/store/index.js';
import { LATEST_SCHEMA_VERSION, MIGRATIONS } from '../../src/control/store/migrations.js';
import { storeBackends } from './store-backends.js';

/** A job plan as the planner writes one (the fields a job keeps). */
const PLAN: JobPlan = {
  strategy: 'single-site',
  placement: [{ site: 'atl', jurisdiction: 'US-GA', gpus: 8 }],
  gpus: 8,
  tp: 1,
  pp: 1,
  vpp: 1,
  dp: 8,
  cp: 1,
  ep: 1,
  tokensPerSecond: 1000,
  effectiveTokensPerSecond: 1000,
  stepTimeSeconds: 1,
  mfu: 0.4,
  wanGbpsUsed: 0,
};

const spec = (over: Partial<JobSpec> = {}): JobSpec => ({
  model: 'llama3-8b',
  gpus: 8,
  tokens: null,
  priority: 0,
  allowedJurisdictions: null,
  checkpointable: true,
  preemptible: true,
  deadline: null,
  command: null,
  executor: null,
  env: {},
  ...over,
});

const backends = await storeBackends('store conformance', 'sf_conf');

for (const backend of backends) {
  describe.skipIf(backend.skip !== null)(`store conformance: ${backend.name}`, () => {
    let store: Store;
    let cleanup: () => Promise<void>;
    let replica: () => Store;
    let n = 0;
    const newJob = (tenantId = 'acme', over: Partial<{ key: string | null; gpus: number }> = {}) => ({
      id: `job_${backend.name}_${++n}`,
      tenantId,
      name: `job ${n}`,
      spec: spec({ gpus: over.gpus ?? 8 }),
      gpus: over.gpus ?? 8,
      priority: 0,
      idempotencyKey: over.key ?? null,
      at: 1_000 + n,
    });

    beforeAll(async () => {
      ({ store, cleanup, replica } = await backend.open());
      await store.migrate();
      await store.createTenant({ id: 'acme', name: 'Acme', quotaGpus: 64, allowedJurisdictions: ['US-GA'], at: 1 });
      await store.createTenant({ id: 'other', name: 'Other', quotaGpus: null, allowedJurisdictions: null, at: 1 });
    });
    afterAll(async () => {
      await cleanup?.();
    });

    it('applies every migration once and reports the latest schema version', async () => {
      expect(await store.schemaVersion()).toBe(LATEST_SCHEMA_VERSION);
      expect(await store.migrate()).toBe(LATEST_SCHEMA_VERSION);
      expect(await store.schemaVersion()).toBe(LATEST_SCHEMA_VERSION);
    });

    it('stores tenants with their quota and allowed jurisdictions', async () => {
      const t = await store.getTenant('acme');
      expect(t).toMatchObject({ id: 'acme', quotaGpus: 64, allowedJurisdictions: ['US-GA'] });
      expect((await store.listTenants()).map((x) => x.id)).toEqual(['acme', 'other']);
      const u = await store.updateTenant('other', { quotaGpus: 16 });
      expect(u.quotaGpus).toBe(16);
      await expect(store.updateTenant('nobody', { quotaGpus: 1 })).rejects.toBeInstanceOf(NotFoundError);
    });

    it('rejects a second tenant with the same id as a duplicate, keeping the driver error as cause', async () => {
      const err = await store
        .createTenant({ id: 'acme', name: 'again', quotaGpus: null, allowedJurisdictions: null, at: 2 })
        .catch((e) => e);
      expect(err).toBeInstanceOf(DuplicateError);
      expect((err as Error).cause).toBeDefined();
    });

    it('finds tokens by their hash only and forgets revoked ones', async () => {
      await store.createToken({ id: 'tok1', tenantId: 'acme', role: 'member', name: 'ci', secretHash: 'h1', at: 1 });
      expect(await store.findTokenByHash('h1')).toEqual({ id: 'tok1', tenantId: 'acme', role: 'member', name: 'ci' });
      expect(await store.findTokenByHash('nope')).toBeNull();
      await store.revokeToken('tok1');
      expect(await store.findTokenByHash('h1')).toBeNull();
    });

    it('submits a job as queued and records a job.submitted event atomically', async () => {
      const { job, created } = await store.submitJob(newJob());
      expect(created).toBe(true);
      expect(job).toMatchObject({ state: 'queued', attempt: 0, version: 1, tenantId: 'acme', gpus: 8, plan: null });
      expect(await store.getJob(job.id)).toEqual(job);
      const events = await store.listEvents({ jobId: job.id });
      expect(events.map((e) => [e.type, e.to])).toEqual([['job.submitted', 'queued']]);
    });

    it('returns the first job for a repeated idempotency key instead of creating another', async () => {
      const a = await store.submitJob(newJob('acme', { key: 'k-1' }));
      const b = await store.submitJob({ ...newJob('acme', { key: 'k-1' }) });
      expect(b.created).toBe(false);
      expect(b.job.id).toBe(a.job.id);
      const c = await store.submitJob(newJob('other', { key: 'k-1' }));
      expect(c.created).toBe(true);
    });

    it('walks the lifecycle and records every transition as an event', async () => {
      const { job } = await store.submitJob(newJob());
      const placement = [{ site: 'atl', gpus: 8 }];
      await store.transitionJob({ jobId: job.id, to: 'admitted', patch: { placement }, at: 10 });
      await store.transitionJob({ jobId: job.id, to: 'starting', patch: { attempt: 1 }, at: 11 });
      await store.transitionJob({ jobId: job.id, to: 'running', patch: { runId: 'run-1', startedAt: 12 }, at: 12 });
      const j = await store.transitionJob({
        jobId: job.id,
        to: 'succeeded',
        patch: { exitCode: 0, finishedAt: 13 },
        at: 13,
      });
      expect(j).toMatchObject({
        state: 'succeeded',
        placement,
        attempt: 1,
        runId: 'run-1',
        exitCode: 0,
        version: 5,
        startedAt: 12,
        finishedAt: 13,
      });
      const events = await store.listEvents({ jobId: job.id });
      expect(events.map((e) => `${e.from ?? ''}>${e.to}`)).toEqual([
        '>queued',
        'queued>admitted',
        'admitted>starting',
        'starting>running',
        'running>succeeded',
      ]);
      expect(events[1].siteId).toBe('atl');
    });

    it('rejects an illegal transition and leaves the job untouched', async () => {
      const { job } = await store.submitJob(newJob());
      await expect(store.transitionJob({ jobId: job.id, to: 'running', at: 20 })).rejects.toBeInstanceOf(
        IllegalTransitionError,
      );
      await store.transitionJob({ jobId: job.id, to: 'cancelled', at: 21 });
      await expect(store.transitionJob({ jobId: job.id, to: 'queued', at: 22 })).rejects.toBeInstanceOf(
        IllegalTransitionError,
      );
      const after = await store.getJob(job.id);
      expect(after?.state).toBe('cancelled');
      expect((await store.listEvents({ jobId: job.id })).length).toBe(2);
    });

    it('enforces compare-and-set on state and version', async () => {
      const { job } = await store.submitJob(newJob());
      await expect(
        store.transitionJob({ jobId: job.id, to: 'admitted', from: ['suspended'], at: 30 }),
      ).rejects.toBeInstanceOf(ConflictError);
      await expect(
        store.transitionJob({ jobId: job.id, to: 'admitted', expectVersion: 99, at: 30 }),
      ).rejects.toBeInstanceOf(ConflictError);
      const ok = await store.transitionJob({
        jobId: job.id,
        to: 'admitted',
        expectVersion: job.version,
        from: ['queued'],
        at: 30,
      });
      expect(ok.version).toBe(job.version + 1);
    });

    it('lets exactly one of many concurrent transitions from the same version win', async () => {
      const { job } = await store.submitJob(newJob());
      const results = await Promise.allSettled(
        Array.from({ length: 8 }, (_, i) =>
          store.transitionJob({ jobId: job.id, to: 'admitted', expectVersion: job.version, at: 40 + i }),
        ),
      );
      expect(results.filter((r) => r.status === 'fulfilled').length).toBe(1);
    });

    it('applies a batch of transitions, returning the errors of the ones that fail', async () => {
      const a = (await store.submitJob(newJob())).job;
      const b = (await store.submitJob(newJob())).job;
      const out = await store.transitionMany([
        { jobId: a.id, to: 'admitted', at: 45 },
        { jobId: b.id, to: 'running', at: 45 },
        { jobId: a.id, to: 'starting', patch: { attempt: 1 }, at: 46 },
      ]);
      expect((out[0] as { state: string }).state).toBe('admitted');
      expect(out[1]).toBeInstanceOf(IllegalTransitionError);
      expect((out[2] as { state: string }).state).toBe('starting');
      expect((await store.getJob(b.id))?.state).toBe('queued');
    });

    it('applies a batch in order: a failed transition changes nothing and later ones see the state before it', async () => {
      const a = (await store.submitJob(newJob())).job;
      const out = await store.transitionMany([
        { jobId: a.id, to: 'admitted', expectVersion: a.version + 5, at: 47 }, // stale: conflict
        {
          jobId: a.id,
          to: 'admitted',
          from: ['queued'],
          expectVersion: a.version,
          patch: { placement: [{ site: 'atl', gpus: 8 }] },
          at: 47,
        },
        { jobId: a.id, to: 'starting', from: ['admitted'], patch: { attempt: 1, runId: `${a.id}.1` }, at: 47 },
        { jobId: 'job_missing', to: 'admitted', at: 47 },
      ]);
      expect(out[0]).toBeInstanceOf(ConflictError);
      expect(out[1]).toMatchObject({ state: 'admitted', version: a.version + 1 });
      expect(out[2]).toMatchObject({
        state: 'starting',
        version: a.version + 2,
        runId: `${a.id}.1`,
        placement: [{ site: 'atl', gpus: 8 }],
      });
      expect(out[3]).toBeInstanceOf(NotFoundError);
      expect(await store.getJob(a.id)).toMatchObject({ state: 'starting', version: a.version + 2, attempt: 1 });
      expect((await store.listJobs({ site: 'atl', limit: 1000 })).jobs.map((j) => j.id)).toContain(a.id);
      const ev = await store.listEvents({ jobId: a.id });
      expect(ev.map((e) => e.to)).toEqual(['queued', 'admitted', 'starting']);
      expect(await store.transitionMany([])).toEqual([]);
    });

    it('returns exactly the jobs written since a change cursor, whoever wrote them', async () => {
      const c0 = await store.jobChangeCursor();
      expect((await store.jobsChangedSince(c0)).jobs).toEqual([]);
      const a = (await store.submitJob(newJob())).job;
      const b = (await store.submitJob(newJob())).job;
      expect(b.changeSeq).toBeGreaterThan(a.changeSeq);
      const r1 = await store.jobsChangedSince(c0);
      expect(r1.jobs.map((j) => j.id)).toEqual([a.id, b.id]);
      expect(r1.cursor).toBeGreaterThanOrEqual(b.changeSeq);
      expect(await store.jobsChangedSince(r1.cursor)).toEqual({ jobs: [], cursor: r1.cursor });
      // a transition, an update, a batch: each write moves the job past the cursor, once, as it stands now
      const a2 = await store.transitionJob({ jobId: a.id, to: 'admitted', at: 60 });
      expect(a2.changeSeq).toBeGreaterThan(r1.cursor);
      await store.updateJob(a.id, { reason: 'x' }, 61);
      const r2 = await store.jobsChangedSince(r1.cursor);
      expect(r2.jobs.map((j) => [j.id, j.state, j.reason, j.version])).toEqual([
        [a.id, 'admitted', 'x', a.version + 2],
      ]);
      await store.transitionMany([{ jobId: b.id, to: 'cancelled', at: 62 }]);
      const r3 = await store.jobsChangedSince(r2.cursor);
      expect(r3.jobs.map((j) => [j.id, j.state])).toEqual([[b.id, 'cancelled']]);
      // a failed write changes nothing
      await store.transitionJob({ jobId: b.id, to: 'running', at: 63 }).catch(() => {});
      expect((await store.jobsChangedSince(r3.cursor)).jobs).toEqual([]);
      // another replica (or process) on the same database
      const other = replica();
      try {
        await other.updateJob(a.id, { reason: 'from the other replica' }, 64);
        const c = (await other.submitJob(newJob())).job;
        const r4 = await store.jobsChangedSince(r3.cursor);
        expect(r4.jobs.map((j) => [j.id, j.reason])).toEqual([
          [a.id, 'from the other replica'],
          [c.id, null],
        ]);
        expect(await store.jobChangeCursor()).toBe(r4.cursor);
      } finally {
        await other.close();
      }
    });

    it('rejects an update with a stale expected version', async () => {
      const { job } = await store.submitJob(newJob());
      await expect(
        store.updateJob(job.id, { reason: 'held' }, 70, undefined, undefined, job.version + 1),
      ).rejects.toBeInstanceOf(ConflictError);
      expect((await store.updateJob(job.id, { reason: 'held' }, 70, undefined, undefined, job.version)).reason).toBe(
        'held',
      );
      expect((await store.getJob(job.id))?.reason).toBe('held');
    });

    it('backfills the change sequence of jobs written before migration 3', async () => {
      const fresh = await backend.open();
      const later = MIGRATIONS.splice(2);
      try {
        await fresh.store.migrate();
        expect(await fresh.store.schemaVersion()).toBe(2);
      } finally {
        MIGRATIONS.push(...later);
      }
      try {
        // a row as the version-2 schema wrote it
        const raw = fresh.store.kind === 'sqlite' ? null : (fresh.store as PostgresStore).pool;
        const insert = `INSERT INTO jobs (id, tenant_id, name, state, priority, gpus, spec, created_at, updated_at) VALUES ('job_old', 't', 'old', 'queued', 0, 8, '${JSON.stringify(spec())}', 1, 1)`;
        if (raw) {
          await raw.query(`INSERT INTO tenants (id, name, created_at) VALUES ('t', 't', 1)`);
          await raw.query(insert);
        } else {
          const db = (fresh.store as unknown as { db: { exec(sql: string): void } }).db;
          db.exec(`INSERT INTO tenants (id, name, created_at) VALUES ('t', 't', 1)`);
          db.exec(insert);
        }
        await fresh.store.migrate();
        expect(await fresh.store.schemaVersion()).toBe(LATEST_SCHEMA_VERSION);
        const old = (await fresh.store.jobsChangedSince(0)).jobs;
        expect(old.map((j) => j.id)).toEqual(['job_old']);
        expect(old[0].changeSeq).toBeGreaterThan(0);
        const n = await fresh.store.submitJob({ ...newJob('t'), id: 'job_new' });
        expect(n.job.changeSeq).toBeGreaterThan(old[0].changeSeq);
      } finally {
        await fresh.cleanup();
      }
    });

    it.skipIf(backend.name !== 'postgres')(
      'never skips a writer that took a lower change sequence but commits after a higher one',
      async () => {
        const pool = (store as PostgresStore).pool;
        const a = (await store.submitJob(newJob())).job;
        const b = (await store.submitJob(newJob())).job;
        const c0 = await store.jobChangeCursor();
        // writer 1 takes the next sequence number and stays open
        const slow = await pool.connect();
        try {
          await slow.query('BEGIN');
          const held = await slow.query(
            `UPDATE jobs SET reason = 'slow writer', version = version + 1, change_seq = sf_next_job_change() WHERE id = $1 RETURNING change_seq`,
            [a.id],
          );
          // writer 2 takes a higher number and commits first
          const fast = await store.updateJob(b.id, { reason: 'fast writer' }, 80);
          expect(fast.changeSeq).toBeGreaterThan(Number(held.rows[0].change_seq));
          // the reader must not move its cursor past writer 1's number while writer 1 is in flight
          const during = await store.jobsChangedSince(c0);
          expect(during.jobs.map((j) => j.id)).not.toContain(b.id);
          expect(during.cursor).toBeLessThan(Number(held.rows[0].change_seq));
          await slow.query('COMMIT');
          const after = await store.jobsChangedSince(during.cursor);
          expect(after.jobs.map((j) => [j.id, j.reason])).toEqual([
            [a.id, 'slow writer'],
            [b.id, 'fast writer'],
          ]);
        } finally {
          slow.release();
        }
      },
    );

    it('reports a missing job as not found', async () => {
      expect(await store.getJob('job_missing')).toBeNull();
      await expect(store.transitionJob({ jobId: 'job_missing', to: 'cancelled', at: 1 })).rejects.toBeInstanceOf(
        NotFoundError,
      );
    });

    it('updates a job without a state change and records the event when asked', async () => {
      const { job } = await store.submitJob(newJob());
      const ckpt = { step: 42, path: '/ckpt/42', at: 50, site: 'atl' };
      const plan = { ...PLAN, tp: 8 };
      const j = await store.updateJob(job.id, { checkpoint: ckpt, plan }, 50, 'job.checkpoint', {
        step: 42,
      });
      expect(j).toMatchObject({ state: 'queued', checkpoint: ckpt, plan: { tp: 8 }, version: job.version + 1 });
      expect((await store.listEvents({ jobId: job.id })).map((e) => e.type)).toEqual([
        'job.submitted',
        'job.checkpoint',
      ]);
    });

    it('lists jobs by tenant, state and site with a stable cursor over pages', async () => {
      for (let i = 0; i < 7; i++) await store.submitJob(newJob('other'));
      const seen: string[] = [];
      let cursor: string | null = null;
      let pages = 0;
      do {
        const page = await store.listJobs({ tenantId: 'other', limit: 3, cursor });
        seen.push(...page.jobs.map((j) => j.id));
        cursor = page.nextCursor;
        pages++;
      } while (cursor);
      const all = await store.listJobs({ tenantId: 'other', limit: 1000 });
      expect(seen).toEqual(all.jobs.map((j) => j.id));
      expect(new Set(seen).size).toBe(seen.length);
      expect(pages).toBeGreaterThanOrEqual(3);
      expect(all.jobs.every((j) => j.tenantId === 'other')).toBe(true);
      // newest first by default, oldest first for the scheduler
      expect(all.jobs[0].seq).toBeGreaterThan(all.jobs[1].seq);
      const oldest = await store.listJobs({ tenantId: 'other', order: 'oldest', limit: 1000 });
      expect(oldest.jobs.map((j) => j.id)).toEqual([...seen].reverse());

      const placed = (await store.listJobs({ tenantId: 'acme', states: ['succeeded'] })).jobs;
      expect(placed.length).toBeGreaterThan(0);
      expect((await store.listJobs({ site: 'atl' })).jobs.map((j) => j.id)).toContain(placed[0].id);
      expect((await store.listJobs({ site: 'at' })).jobs).toEqual([]);
    });

    it('rejects a forged cursor as invalid input', async () => {
      await expect(store.listJobs({ cursor: 'bm90LWEtY3Vyc29y' })).rejects.toBeInstanceOf(InvalidInputError);
    });

    it('sums the GPUs a tenant holds in active states', async () => {
      await store.createTenant({ id: 'quota', name: 'Q', quotaGpus: 100, allowedJurisdictions: null, at: 1 });
      const a = (await store.submitJob(newJob('quota', { gpus: 16 }))).job;
      await store.submitJob(newJob('quota', { gpus: 32 }));
      expect(await store.activeGpus('quota')).toBe(0);
      await store.transitionJob({ jobId: a.id, to: 'admitted', at: 60 });
      expect(await store.activeGpus('quota')).toBe(16);
      const counts = await store.countJobs();
      expect(counts.queued).toBeGreaterThan(0);
    });

    it('lists events after a sequence number, filtered by tenant', async () => {
      const all = await store.listEvents({});
      expect(all.length).toBeGreaterThan(5);
      const after = await store.listEvents({ afterSeq: all[2].seq });
      expect(after[0].seq).toBe(all[3].seq);
      const other = await store.listEvents({ tenantId: 'other' });
      expect(other.length, 'tenant other has no events: the filter was not exercised').toBeGreaterThan(0);
      expect(other.every((e) => e.tenantId === 'other')).toBe(true);
      expect(other.length).toBeLessThan(all.length);
      const e = await store.appendEvent({ at: 70, type: 'site.down', siteId: 'wi', data: { why: 'test' } });
      expect(e.seq).toBeGreaterThan(all[all.length - 1].seq);
    });

    it('tracks site heartbeats, status and drain', async () => {
      await store.upsertSite('atl', 1);
      await store.upsertSite('atl', 2);
      await store.upsertSite('wi', 1);
      expect((await store.listSites()).map((s) => [s.id, s.status, s.drained])).toEqual([
        ['atl', 'unknown', false],
        ['wi', 'unknown', false],
      ]);
      expect((await store.recordHeartbeat('atl', 100)).lastHeartbeatAt).toBe(100);
      expect((await store.setSiteStatus('atl', 'up', 101)).status).toBe('up');
      expect((await store.setSiteDrained('wi', true, 102)).drained).toBe(true);
      expect((await store.getSite('wi'))?.drained).toBe(true);
      await expect(store.recordHeartbeat('nowhere', 1)).rejects.toBeInstanceOf(NotFoundError);
    });

    it('grants a lease to one holder until it expires, then to the next with a higher term', async () => {
      const a = await store.acquireLease('leader', 'A', 1000, 0);
      expect(a).toMatchObject({ holder: 'A', term: 1, expiresAt: 1000 });
      expect((await store.acquireLease('leader', 'B', 1000, 500)).holder).toBe('A');
      expect(await store.acquireLease('leader', 'A', 1000, 600)).toMatchObject({
        holder: 'A',
        term: 1,
        expiresAt: 1600,
      });
      const b = await store.acquireLease('leader', 'B', 1000, 1700);
      expect(b).toMatchObject({ holder: 'B', term: 2 });
      await store.releaseLease('leader', 'B');
      expect((await store.acquireLease('leader', 'A', 1000, 1800)).holder).toBe('A');
      const racers = await Promise.all(['C', 'D', 'E'].map((h) => store.acquireLease('race', h, 1000, 0)));
      expect(new Set(racers.map((r) => r.holder)).size).toBe(1);
    });

    // ---- services (src/control/store/services.ts, migration 6) ----
    const service = (id: string, tenantId: string, name: string, at: number) => ({
      id,
      tenantId,
      name,
      spec: {
        model: 'reference',
        slo: { ttftP99Ms: 500, tpotP99Ms: 50 },
        allowedSites: ['atl'],
        allowedJurisdictions: null,
        command: ['python3', 'serve.py'],
        env: { A: '1' },
        gpusPerReplica: 1,
      },
      minReplicas: 1,
      maxReplicas: 3,
      at,
    });

    it('stores services per tenant, unique by name within a tenant, listed oldest first', async () => {
      const a = await store.createService(service(`sv_${backend.name}_a`, 'acme', 'chat', 10));
      expect(a).toMatchObject({ tenantId: 'acme', name: 'chat', minReplicas: 1, maxReplicas: 3, version: 1 });
      expect(a.spec.env).toEqual({ A: '1' });
      await store.createService(service(`sv_${backend.name}_b`, 'other', 'chat', 11));
      await store.createService(service(`sv_${backend.name}_c`, 'acme', 'code', 12));
      await expect(store.createService(service(`sv_${backend.name}_d`, 'acme', 'chat', 13))).rejects.toBeInstanceOf(
        DuplicateError,
      );
      expect((await store.listServices('acme')).map((x) => x.name)).toEqual(['chat', 'code']);
      expect((await store.listServices()).map((x) => x.tenantId)).toEqual(['acme', 'other', 'acme']);
      expect(await store.getService(`sv_${backend.name}_b`)).toMatchObject({ tenantId: 'other', createdAt: 11 });
      expect(await store.getService('nope')).toBeNull();
    });

    it('updates replica bounds with a new version, seen by another connection, and deletes services', async () => {
      const id = `sv_${backend.name}_a`;
      const u = await store.updateService(id, { maxReplicas: 5 }, 20);
      expect(u).toMatchObject({ minReplicas: 1, maxReplicas: 5, version: 2, updatedAt: 20 });
      const other = replica();
      try {
        expect(await other.getService(id)).toMatchObject({ maxReplicas: 5, version: 2 });
      } finally {
        await other.close();
      }
      await expect(store.updateService('nope', { minReplicas: 0 }, 21)).rejects.toBeInstanceOf(NotFoundError);
      expect(await store.deleteService(id)).toBe(true);
      expect(await store.deleteService(id)).toBe(false);
      expect(await store.getService(id)).toBeNull();
    });

    it('keeps the leader’s replica rows: upsert by id, listed per service oldest first, deleted', async () => {
      const r = (id: string, serviceId: string, startedAt: number) => ({
        id,
        serviceId,
        site: 'atl',
        runKey: `svc-${id}`,
        host: '127.0.0.1',
        port: 40000 + startedAt,
        state: 'starting' as const,
        startedAt,
        healthyAt: null,
        reason: null,
        updatedAt: startedAt,
      });
      await store.putReplica(r(`${backend.name}-r2`, 'svA', 2));
      await store.putReplica(r(`${backend.name}-r1`, 'svA', 1));
      await store.putReplica(r(`${backend.name}-r3`, 'svB', 3));
      await store.putReplica({ ...r(`${backend.name}-r2`, 'svA', 2), state: 'healthy', healthyAt: 5, updatedAt: 5 });
      const a = await store.listReplicas('svA');
      expect(a.map((x) => [x.id, x.state, x.healthyAt, x.port])).toEqual([
        [`${backend.name}-r1`, 'starting', null, 40001],
        [`${backend.name}-r2`, 'healthy', 5, 40002],
      ]);
      expect((await store.listReplicas()).length).toBe(3);
      await store.deleteReplica(`${backend.name}-r1`);
      await store.deleteReplica('nope');
      expect((await store.listReplicas('svA')).map((x) => x.id)).toEqual([`${backend.name}-r2`]);
    });
  });
}
