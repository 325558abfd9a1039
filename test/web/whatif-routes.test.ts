// The dashboard's extra routes (src/control/whatif/routes.ts) over real HTTP: who-am-I, telemetry,
// the plan explorer, the WAN sweep and what-if runs of the twin, with their input errors.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadModel } from '../../src/perf/models.js';
import { sweepWan } from '../../src/planner/sweep.js';
import { startDashboardServer, type DashboardServer } from './harness.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- response bodies are read loosely in tests
type Json = any;

describe('dashboard routes', () => {
  let srv: DashboardServer;
  let viewer: string;

  beforeAll(async () => {
    srv = await startDashboardServer({ schedule: false, planner: null });
    viewer = await srv.token('acme', 'viewer');
  }, 60_000);
  afterAll(async () => srv?.close());

  it('tells a token its tenant and role, and refuses no token', async () => {
    expect((await srv.req<Json>('GET', '/v1/whoami', srv.admin)).body).toMatchObject({
      tenant: 'system',
      role: 'admin',
    });
    expect((await srv.req<Json>('GET', '/v1/whoami', viewer)).body).toMatchObject({ tenant: 'acme', role: 'viewer' });
    expect((await srv.req('GET', '/v1/whoami', null)).status).toBe(401);
  });

  it('reports per-site power drawn, grid carbon now and WAN use', async () => {
    const r = await srv.req<Json>('GET', '/v1/telemetry', viewer);
    expect(r.status).toBe(200);
    expect(r.body.sites.map((s: Json) => s.id)).toEqual(['atl', 'wi']);
    for (const s of r.body.sites) {
      expect(s.powerDrawMW).toBeGreaterThan(0);
      expect(s.powerDrawMW).toBeLessThan(s.powerCapMW);
      expect(s.usedGpus + s.freeGpus).toBe(s.gpus);
    }
    expect(r.body.wanLinks[0]).toMatchObject({ id: 'atl-wi', capacityGbps: 100000, usedGbps: 0 });
  });

  it('counts a running cross-site job on the WAN link between its sites', async () => {
    const sub = await srv.req<Json>('POST', '/v1/jobs', srv.admin, { name: 'cross', model: 'llama3-70b', gpus: 144 });
    const id = sub.body.job.id as string;
    const at = Date.now();
    const plan = {
      strategy: 'hierarchical-dp' as const,
      placement: [
        { site: 'atl', jurisdiction: 'US-GA', gpus: 72 },
        { site: 'wi', jurisdiction: 'US-WI', gpus: 72 },
      ],
      gpus: 144,
      tp: 8,
      pp: 1,
      vpp: 1,
      dp: 18,
      cp: 1,
      ep: 1,
      tokensPerSecond: 1e6,
      effectiveTokensPerSecond: 1e6,
      stepTimeSeconds: 10,
      mfu: 0.4,
      wanGbpsUsed: 25_000,
    };
    await srv.store.updateJob(id, { plan }, at);
    const placement = [
      { site: 'atl', gpus: 72 },
      { site: 'wi', gpus: 72 },
    ];
    await srv.store.transitionJob({ jobId: id, to: 'admitted', from: ['queued'], patch: { placement }, at });
    await srv.store.transitionJob({ jobId: id, to: 'starting', from: ['admitted'], at });
    await srv.store.transitionJob({ jobId: id, to: 'running', from: ['starting'], patch: { startedAt: at }, at });
    const r = await srv.req<Json>('GET', '/v1/telemetry', viewer);
    expect(r.body.wanLinks[0]).toMatchObject({ usedGbps: 25_000, utilization: 0.25, jobs: 1 });
    expect(r.body.sites.map((s: Json) => s.usedGpus)).toEqual([72, 72]);
    await srv.req('DELETE', `/v1/jobs/${id}`, srv.admin);
  });

  it('lists models, fabric presets and policies', async () => {
    const r = await srv.req<Json>('GET', '/v1/catalog', viewer);
    expect(r.body.models.map((m: Json) => m.id)).toContain('llama3-70b');
    expect(r.body.fabrics).toContain('fairwater');
    expect(r.body.policies).toContain('carbon-aware');
  });

  it('ranks plans with step-time breakdowns on the server fabric or a preset', async () => {
    const r = await srv.req<Json>('POST', '/v1/explore/plans', viewer, { model: 'llama3-70b', top: 3 });
    expect(r.status).toBe(200);
    expect(r.body.model).toBe('Llama 3 70B');
    expect(r.body.plans.length).toBeGreaterThanOrEqual(1);
    expect(r.body.plans[0].breakdown.computeSeconds).toBeGreaterThan(0);
    const one = await srv.req<Json>('POST', '/v1/explore/plans', viewer, {
      model: 'llama3-8b',
      fabric: 'dgx-h100-ib',
      gpus: 64,
      top: 1,
    });
    expect(one.body.fabric).toBe('dgx-h100-ib');
    expect(one.body.plans[0].strategy).toBe('single-site');
  });

  it('rejects unknown models, fabric paths and broken fabric YAML with field paths', async () => {
    const m = await srv.req<Json>('POST', '/v1/explore/plans', viewer, { model: 'gpt-9' });
    expect(m.status).toBe(422);
    expect(m.body.errors[0].path).toBe('model');
    const f = await srv.req<Json>('POST', '/v1/explore/plans', viewer, {
      model: 'llama3-8b',
      fabric: '../../etc/passwd',
    });
    expect(f.status).toBe(400);
    const y = await srv.req<Json>('POST', '/v1/explore/plans', viewer, {
      model: 'llama3-8b',
      fabricText: 'name: x\nsites: []\n',
    });
    expect(y.status).toBe(422);
    expect(y.body.errors[0].path).toMatch(/^fabricText: /);
  });

  it('sweeps WAN capacity and latency against one site', async () => {
    const r = await srv.req<Json>('POST', '/v1/explore/sweep', viewer, {
      model: 'llama3-8b',
      gpus: 2304,
      wanGbpsList: [100, 10000],
      wanLatencyMsList: [5],
    });
    expect(r.status).toBe(200);
    expect(r.body.cells).toHaveLength(2);
    expect(r.body.cells[1].fractionOfSingleSite).toBeGreaterThanOrEqual(r.body.cells[0].fractionOfSingleSite);
    expect(r.body.thresholds[0].wanLatencyMs).toBe(5);
    // the same thresholds as the CLI's sweep: the planner's one implementation (bisection), not a grid cell
    const direct = sweepWan(loadModel('llama3-8b'), srv.server.cp.fabric, {
      gpus: 2304,
      wanGbpsList: [100, 10000],
      wanLatencyMsList: [5],
    });
    expect(r.body.thresholds).toEqual(direct.thresholds);
    expect(r.body.thresholdsSynchronous).toEqual(direct.thresholdsSynchronous);
    const g90 = r.body.thresholds[0].gbpsFor90;
    expect(g90 === null || ![100, 10000].includes(g90), 'a bisected capacity, not a grid value').toBe(true);
  }, 90_000);

  it('runs the twin with a site down against a baseline on the same trace', async () => {
    const r = await srv.req<Json>('POST', '/v1/whatif', viewer, {
      mode: 'outage',
      site: 'atl',
      downHours: 6,
      atHours: 6,
      workload: { jobs: 150 },
      horizonDays: 3,
    });
    expect(r.status).toBe(200);
    expect(r.body.runs.map((x: Json) => x.label)).toEqual(['baseline', 'atl down 6 h']);
    for (const run of r.body.runs) {
      expect(run.jctQuantilesHours).toHaveLength(201);
      expect(run.series.tHours.length).toBe(run.series.utilization.length);
      expect(run.series.carbonTPerH.length).toBe(run.series.tHours.length);
    }
    const p = await srv.req<Json>('POST', '/v1/whatif', viewer, {
      mode: 'policies',
      policies: ['fifo', 'carbon-aware'],
      workload: { jobs: 100 },
      horizonDays: 2,
    });
    expect(p.body.runs.map((x: Json) => x.policy)).toEqual(['fifo', 'carbon-aware']);
  }, 120_000);

  it('names the bad field of a what-if', async () => {
    const r = await srv.req<Json>('POST', '/v1/whatif', viewer, { mode: 'outage', site: 'mars' });
    expect(r.status).toBe(422);
    expect(r.body.errors[0]).toMatchObject({ path: 'site' });
    const b = await srv.req<Json>('POST', '/v1/whatif', viewer, { mode: 'outage', downHours: -1 });
    expect(b.status).toBe(400);
    expect(b.body.errors[0].path).toBe('downHours');
  }, 60_000);
});
