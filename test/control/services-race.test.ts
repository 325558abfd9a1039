// The shared GPU reservation (issue 15): the job scheduler and the service manager both hand out the free GPUs of a
// site. A job and a service replica that each need all 8 GPUs of a site are asked for at (nearly) the same instant,
// many times, on both sites at once; a sampler reads the store every few ms and adds up what holds each site (the
// active jobs' placements and the replica rows). Before the shared reservation both could win the same window.
// No PyTorch needed: the replica is `sleep` (it never answers /healthz, but it holds its GPUs while it starts).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { ACTIVE_STATES } from '../../src/control/domain.js';
import { LocalExecutor } from '../../src/control/executors/local.js';
import type { RunSpec } from '../../src/control/executors/types.js';
import { startTestServer, tenantToken, type TestServer } from './fixtures.js';
import { waitFor } from './helpers.js';

const SITE_GPUS = 8;
const SITES = ['atl', 'wi'];
const TRIALS = 12;
/**
 * When the job is asked for relative to the service (ms): -560 to +100 in 60 ms steps, wi 30 ms after atl. A
 * scheduler pass here takes ~500 ms (heartbeats included) and the manager ticks every 500 ms, so the offsets sweep
 * the window where both act (on this machine the job won when it came 320 ms or more before the service).
 */
const offsetMs = (trial: number, site: number) => -560 + trial * 60 + site * 30;
const delay = (ms: number) => new Promise((r) => setTimeout(r, Math.max(0, ms)));
/** A start as slow as a Slurm submission through slurmrestd (assumption: ~300 ms; the local one takes ~20 ms). */
const START_MS = 300;

/** The local executor with a submission as slow as Slurm's: the window between deciding and the run existing. */
class SlowStartExecutor extends LocalExecutor {
  override async start(spec: RunSpec) {
    await delay(START_MS);
    return super.start(spec);
  }
}

describe('the scheduler and the service manager share one GPU reservation', () => {
  let t: TestServer;
  let tok: string;

  beforeAll(async () => {
    t = await startTestServer({
      siteBindings: (dir) =>
        SITES.map((siteId) => ({
          siteId,
          heartbeat: 'executor' as const,
          executor: new SlowStartExecutor({ root: join(dir, 'runs', siteId), killGraceMs: 300 }),
        })),
    });
    tok = await tenantToken(t, 'tr', 'member');
  }, 30_000);
  afterAll(async () => {
    await t?.close();
  });

  /** GPUs held per site now: active jobs' placements plus replica rows (8 GPUs each). */
  const held = async (): Promise<Map<string, number>> => {
    const page = await t.store.listJobs({ states: [...ACTIVE_STATES], limit: 1000, order: 'oldest', cursor: null });
    const out = new Map(SITES.map((s) => [s, 0]));
    for (const p of page.jobs.flatMap((j) => j.placement ?? [])) out.set(p.site, (out.get(p.site) ?? 0) + p.gpus);
    for (const r of await t.store.listReplicas()) out.set(r.site, (out.get(r.site) ?? 0) + SITE_GPUS);
    return out;
  };

  /** One job and one service for `site`, `offset` ms apart; who got the site. */
  const race = async (trial: number, site: string, offset: number) => {
    const [job, svc] = await Promise.all([
      delay(offset).then(() =>
        t.req('POST', '/v1/jobs', tok, {
          name: `race-${trial}-${site}`,
          model: 'llama3-8b',
          gpus: SITE_GPUS,
          sites: [site],
          command: ['sleep', '600'],
        }),
      ),
      // a service asked for with one replica (the API keeps a service at one replica at least)
      delay(-offset).then(() =>
        t.req('POST', '/v1/services', tok, {
          name: `race-${trial}-${site}`,
          model: 'llama3-8b',
          command: ['sleep', '600'],
          slo: { ttftP99Ms: 3000, tpotP99Ms: 1000 },
          allowedSites: [site],
          gpusPerReplica: SITE_GPUS,
          minReplicas: 1,
          maxReplicas: 1,
        }),
      ),
    ]);
    expect(job.status).toBe(201);
    expect(svc.status).toBe(201);
    await waitFor(async () => ((await held()).get(site) ?? 0) >= SITE_GPUS, 15_000);
    return { job: job.body.job.id as string, service: svc.body.service.id as string };
  };

  it('a job and a replica asked for at the same instant never over-commit a site', async () => {
    const peaks: number[] = [];
    const winners: string[] = [];
    for (let trial = 0; trial < TRIALS; trial++) {
      let peak = 0;
      let sampling = true;
      const sampler = (async () => {
        while (sampling) {
          peak = Math.max(peak, ...(await held()).values());
          await delay(5);
        }
      })();
      const pairs = await Promise.all(SITES.map((s, i) => race(trial, s, offsetMs(trial, i))));
      // long enough for both loops to have acted twice more
      await delay(1200);
      sampling = false;
      await sampler;
      peaks.push(peak);
      for (const p of pairs) {
        const j = (await t.req('GET', `/v1/jobs/${p.job}`, tok)).body.job;
        winners.push(j.state === 'queued' ? 'r' : 'j');
        expect((await t.req('DELETE', `/v1/jobs/${p.job}`, tok)).status).toBe(200);
        expect((await t.req('DELETE', `/v1/services/${p.service}`, tok)).status).toBe(200);
      }
      await waitFor(async () => [...(await held()).values()].every((n) => n === 0), 20_000);
    }
    console.log(`[services-race] ${TRIALS} x ${SITES.length} races, site won by (job/replica): ${winners.join('')}`);
    console.log(`[services-race] peak GPUs held on one site per trial: ${peaks.join(' ')}`);
    expect(peaks.filter((p) => p > SITE_GPUS)).toEqual([]);
    // each site was held by one of the two every time (the races ran)
    expect(peaks.every((p) => p === SITE_GPUS)).toBe(true);
  }, 300_000);
});
