// The leader's incremental view of unfinished jobs (src/control/job-view.ts) against the store, on
// SQLite and PostgreSQL: while another replica (a second store on the same database) submits,
// updates and cancels jobs concurrently with the leader's ticks, the view read from the change feed
// always ends equal to a full read.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import type { Job, JobSpec } from '../../src/control/domain.js';
import { ACTIVE_STATES } from '../../src/control/domain.js';
import { ControlPlane } from '../../src/control/control-plane.js';
import { TwinExecutor } from '../../src/control/executors/twin.js';
import { JobView } from '../../src/control/job-view.js';
import { Scheduler } from '../../src/control/scheduler.js';
import { PostgresStore, SqliteStore, type Store } from '../../src/control/store/index.js';
import { tinyFabric } from './fixtures.js';
import { freshPgDatabase, pgUnavailableReason, tempDir } from './helpers.js';

const pgSkip = await pgUnavailableReason();

const spec = (gpus: number): JobSpec => ({
  model: 'llama3-8b',
  gpus,
  tokens: null,
  priority: gpus % 3,
  allowedJurisdictions: null,
  checkpointable: true,
  preemptible: true,
  deadline: null,
  command: null,
  executor: null,
  env: {},
});

const backends = [
  {
    name: 'sqlite',
    skip: null as string | null,
    open: async () => {
      const path = join(tempDir(), 'view.db');
      return {
        a: new SqliteStore({ path }) as Store,
        b: () => new SqliteStore({ path }) as Store,
        drop: async () => {},
      };
    },
  },
  {
    name: 'postgres',
    skip: pgSkip,
    open: async () => {
      const db = await freshPgDatabase('sf_view');
      return {
        a: new PostgresStore({ connectionString: db.url }) as Store,
        b: () => new PostgresStore({ connectionString: db.url }) as Store,
        drop: db.drop,
      };
    },
  },
];

const ids = (js: readonly Job[]) => js.map((j) => `${j.id}@${j.version}`);

for (const backend of backends) {
  describe.skipIf(backend.skip !== null)(`incremental job view: ${backend.name}`, () => {
    let a: Store;
    let b: Store;
    let drop: () => Promise<void>;
    beforeAll(async () => {
      const o = await backend.open();
      a = o.a;
      b = o.b();
      drop = o.drop;
      await a.migrate();
      await a.createTenant({ id: 't', name: 't', quotaGpus: null, allowedJurisdictions: null, at: 0 });
    });
    afterAll(async () => {
      await b?.close();
      await a?.close();
      await drop?.();
    });

    const full = async (store: Store) => ({
      queued: (await store.listJobs({ states: ['queued'], limit: 100_000, order: 'oldest' })).jobs,
      active: (await store.listJobs({ states: [...ACTIVE_STATES], limit: 100_000, order: 'oldest' })).jobs,
    });

    it('follows another replica’s concurrent writes and the leader’s own ticks, ending equal to a full read', async () => {
      const fabric = await tinyFabric();
      const twin = new TwinExecutor({ speedup: 100, checkpointEveryS: 5 });
      const cp = new ControlPlane({
        store: a,
        fabric,
        sites: fabric.sites.map((s) => ({ siteId: s.id, executor: twin, heartbeat: 'executor' as const })),
      });
      await cp.init();
      const sched = new Scheduler(cp, { checkpointRoot: join(tempDir(), 'ckpt') });
      let n = 0;
      const submit = () =>
        b.submitJob({
          id: `job_v${backend.name}${++n}`,
          tenantId: 't',
          name: `v${n}`,
          spec: spec(1 + (n % 4)),
          gpus: 1 + (n % 4),
          priority: n % 3,
          idempotencyKey: null,
          at: Date.now(),
        });
      for (let i = 0; i < 20; i++) await submit();
      for (let round = 0; round < 25; round++) {
        // the other replica: a burst of concurrent writers (PostgreSQL: commits out of sequence order)
        const other = (async () => {
          const queued = (await b.listJobs({ states: ['queued'], limit: 1000, order: 'oldest' })).jobs;
          await Promise.all([
            ...Array.from({ length: 6 }, () => submit()),
            ...queued
              .slice(0, 6)
              .map((j, i) =>
                i % 3 === 0
                  ? b
                      .transitionJob({ jobId: j.id, to: 'cancelled', from: ['queued'], at: Date.now() })
                      .catch(() => null)
                  : b.updateJob(j.id, { reason: `touched in round ${round}` }, Date.now()).catch(() => null),
              ),
          ]);
        })();
        const leader = sched.tick();
        await Promise.all([other, leader]);
      }
      await sched.idle();
      await sched.view.refresh();
      const truth = await full(a);
      expect(ids(sched.view.queued.list())).toEqual(ids(truth.queued));
      expect(ids(sched.view.active.list())).toEqual(ids(truth.active));
      expect(truth.active.length).toBeGreaterThan(0);
      expect(sched.view.fullReads).toBe(1);
      // a view built from scratch agrees
      const fresh = new JobView(a);
      await fresh.refresh();
      expect(ids(fresh.queued.list())).toEqual(ids(truth.queued));
      expect(ids(fresh.active.list())).toEqual(ids(truth.active));
      // invalidate(): the next refresh is a full read again (on becoming leader)
      sched.invalidate();
      expect((await sched.view.refresh()).full).toBe(true);
      expect(sched.view.fullReads).toBe(2);
    }, 60_000);
  });
}
