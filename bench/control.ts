// Control-plane benchmarks: POST /v1/jobs submissions per second and p99 latency over loopback
// (autocannon, 5 s, 50 connections, server in its own process) on SQLite and, when reachable,
// PostgreSQL; and one scheduling pass over 10,000 queued jobs on the fairwater preset.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { BENCH_TOKEN, autocannon, startBenchServer, submissionMetrics } from './control-server.js';
import type { BenchResult } from './report.js';
import { loadFabric } from '../src/fabric/index.js';
import { ControlPlane } from '../src/control/control-plane.js';
import { Scheduler } from '../src/control/scheduler.js';
import { TwinExecutor } from '../src/control/executors/twin.js';
import { SqliteStore } from '../src/control/store/sqlite.js';
import { submissionsUnderScheduler, summaryLine } from './control-load.js';

const TOKEN = BENCH_TOKEN;
const startServer = (store: string, dir: string) => startBenchServer({ dir, name: 'bench', store, schedule: false });

async function submissions(name: string, store: string, dir: string): Promise<BenchResult> {
  const s = await startServer(store, dir);
  try {
    // no command: twin sites simulate jobs and refuse one (422)
    const body = JSON.stringify({ name: 'bench', model: 'llama3-8b', gpus: 64 });
    const opts = {
      url: `${s.url}/v1/jobs`,
      method: 'POST' as const,
      connections: 50,
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
      body,
    };
    await autocannon({ ...opts, duration: 1 }); // warm-up
    const r = await autocannon({ ...opts, duration: 5 });
    if (r['2xx'] === 0) throw new Error(`bench ${name}: no submission accepted (${r.non2xx} non-2xx)`);
    return {
      name,
      metrics: submissionMetrics(r),
      notes: 'autocannon 5 s, 50 connections, loopback, server in its own process, scheduler off',
    };
  } finally {
    s.stop();
  }
}

async function pgUrl(): Promise<string | null> {
  const url = process.env.SUPERFACTORY_PG_URL;
  if (!url) return null;
  const c = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2000 });
  try {
    await c.connect();
    const db = `sf_bench_${process.pid}`;
    await c.query(`DROP DATABASE IF EXISTS ${db} WITH (FORCE)`);
    await c.query(`CREATE DATABASE ${db}`);
    const u = new URL(url);
    u.pathname = `/${db}`;
    return u.toString();
  } catch {
    return null;
  } finally {
    await c.end().catch(() => {});
  }
}

export async function schedulingPass(dir: string): Promise<BenchResult> {
  const fabric = await loadFabric('fairwater');
  const store = new SqliteStore({ path: join(dir, 'sched.db') });
  await store.migrate();
  await store.createTenant({ id: 't', name: 't', quotaGpus: null, allowedJurisdictions: null, at: 0 });
  const twin = new TwinExecutor();
  const cp = new ControlPlane({
    store,
    fabric,
    sites: fabric.sites.map((s) => ({ siteId: s.id, executor: twin, heartbeat: 'executor' as const })),
  });
  await cp.init();
  for (const s of fabric.sites) {
    await store.recordHeartbeat(s.id, Date.now());
    await store.setSiteStatus(s.id, 'up', Date.now());
  }
  const sizes = [8, 16, 64, 72, 144, 256, 512, 1024, 2048, 4096];
  const submit = async (i: number, gpus: number, prefix = 'job_bench') =>
    store.submitJob({
      id: `${prefix}${i}`,
      tenantId: 't',
      name: `b${i}`,
      spec: {
        model: 'llama3-8b',
        gpus,
        tokens: null,
        priority: i % 5,
        allowedJurisdictions: i % 3 === 0 ? ['US-WI'] : null,
        checkpointable: true,
        preemptible: true,
        deadline: null,
        command: null,
        executor: null,
        env: {},
      },
      gpus,
      priority: i % 5,
      idempotencyKey: null,
      at: prefix === 'job_bench' ? 10_000 + i : i,
    });
  const sched = new Scheduler(cp, { checkpointRoot: join(dir, 'ckpt') });
  // a busy cluster first: ~1,300 jobs of 8-144 GPUs admitted (not launched), then the 10,000-job queue
  for (let i = 0; i < 1300; i++) await submit(i, sizes[i % 5], 'job_busy');
  await sched.schedule();
  const n = 10_000;
  for (let i = 0; i < n; i++) await submit(i, sizes[(i * 7) % sizes.length]);
  const queued = (await store.listJobs({ states: ['queued'], limit: 1_000_000, order: 'oldest' })).jobs;
  const active = (
    await store.listJobs({
      states: ['admitted', 'starting', 'running', 'checkpointing'],
      limit: 1_000_000,
      order: 'oldest',
    })
  ).jobs;
  const tenants = await store.listTenants();
  const median = (xs: number[]) => xs.slice().sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const times: number[] = [];
  const runs = Number(process.env.BENCH_PASSES ?? 15);
  for (let k = 0; k < runs; k++) times.push((await sched.decide(queued, active, tenants)).decideMs);
  const warm = times.slice(2).sort((a, b) => a - b);
  // a fresh scheduler (empty caches) over the same inputs: a pass right after a leader change
  const colds: number[] = [];
  for (let k = 0; k < 5; k++)
    colds.push(
      (await new Scheduler(cp, { checkpointRoot: join(dir, 'ckpt') }).decide(queued, active, tenants)).decideMs,
    );
  const cold = median(colds);
  // the full pass: read the queue and the active jobs from the store, decide, persist
  const full: number[] = [];
  // the first one acts on the busy cluster: it preempts lower-priority jobs for higher ones and starts some
  const tb = performance.now();
  let r = await sched.schedule();
  const busyMs = performance.now() - tb;
  const busy = r;
  for (let k = 0; k < 9; k++) {
    const t0 = performance.now();
    r = await sched.schedule();
    full.push(performance.now() - t0);
  }
  // the same with writes between passes (50 submissions and 10 cancellations per pass, as under load)
  const churn: number[] = [];
  for (let k = 0; k < 9; k++) {
    for (let i = 0; i < 50; i++) await submit(100_000 + k * 50 + i, sizes[i % sizes.length], 'job_churn');
    for (let i = 0; i < 10; i++)
      await store.transitionJob({ jobId: `job_bench${k * 10 + i}`, to: 'cancelled', at: Date.now() }).catch(() => {});
    const t0 = performance.now();
    await sched.schedule();
    churn.push(performance.now() - t0);
  }
  // the first full pass of a fresh scheduler (a new leader): one full read of the unfinished jobs
  const firsts: number[] = [];
  for (let k = 0; k < 5; k++) {
    const s = new Scheduler(cp, { checkpointRoot: join(dir, 'ckpt') });
    const t0 = performance.now();
    await s.schedule();
    firsts.push(performance.now() - t0);
  }
  await store.close();
  return {
    name: 'scheduling pass, 10,000 queued jobs, fairwater (priority policy)',
    metrics: {
      queued: queued.length,
      active: active.length,
      'decide ms (median of warm passes)': warm[Math.floor(warm.length / 2)],
      'decide ms (min)': warm[0],
      'decide ms (first pass of a fresh scheduler, median of 5)': cold,
      [`full pass ms that preempts ${busy.preempted} jobs and starts ${busy.started} (one transaction)`]: busyMs,
      'full pass ms (median of 9: read queue + active + decide + persist)': median(full),
      'full pass ms with 50 submissions + 10 cancellations since the last pass (median of 9)': median(churn),
      'first full pass ms of a fresh scheduler (full read + decide + persist, median of 5)': median(firsts),
      started: r.started,
      held: r.held,
    },
    notes: `decide: ClusterState + job requests + scheduleRound (src/sched, priority policy), ${runs} passes, first 2 dropped; full pass: the scheduler's store reads (incremental: the jobs written since the last pass), decide, admitted+starting transitions in one commit`,
  };
}

export async function benchControl(): Promise<BenchResult[]> {
  const dir = mkdtempSync(join(tmpdir(), 'sf-bench-control-'));
  const out: BenchResult[] = [];
  out.push(await submissions('POST /v1/jobs on SQLite (WAL, synchronous=NORMAL)', join(dir, 'bench.db'), dir));
  const url = await pgUrl();
  if (url) out.push(await submissions('POST /v1/jobs on PostgreSQL 15 (synchronous_commit=on)', url, dir));
  else
    out.push({
      name: 'POST /v1/jobs on PostgreSQL',
      metrics: {},
      notes: 'skipped: SUPERFACTORY_PG_URL not set or unreachable',
    });
  const underLoad = await submissionsUnderScheduler(dir);
  console.log(summaryLine(underLoad)); // the one line to compare runs by (issue 13)
  out.push(...underLoad);
  out.push(await schedulingPass(dir));
  return out;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  if (process.argv.includes('--pass-only'))
    console.log(JSON.stringify(await schedulingPass(mkdtempSync(join(tmpdir(), 'sf-bench-control-')))));
  else for (const r of await benchControl()) console.log(JSON.stringify(r));
}
