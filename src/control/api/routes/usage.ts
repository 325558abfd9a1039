// Cost and energy: GET /v1/usage (per tenant for ?from&to: quota, GPUs in use, queue, and each job's GPU-hours,
// energy, cost and emissions) and the `usage` of GET /v1/jobs/:id (its whole life). The figures come from the
// jobs' transition events (api/usage.ts, pure); this edge reads the sites' hourly grid series once.
import {
  UsageQuery,
  type JobUsage,
  type JobUsageRow,
  type TenantUsage,
  type UsageResponse,
} from '../../../contract/usage.js';
import { isOperator } from '../../auth.js';
import { ForbiddenError } from '../../control-plane.js';
import { InvalidInputError, NotFoundError, type Job, type Principal, type Tenant } from '../../domain.js';
import { parse } from '../../schemas.js';
import { HourlyIntegral } from '../../../sim/grid.js';
import { loadGridSeries } from '../../../sim/grid-files.js';
import { doc, principal, type ApiContext } from '../context.js';
import { ZERO_USAGE, addUsage, busySegments, powerRates, usageOf, type SiteRates } from '../usage.js';

/** The newest jobs of a tenant one summary reads (each costs one indexed read of its transitions). */
export const USAGE_JOBS_MAX = 1000;
const DAY_MS = 24 * 3_600_000;

export const USAGE_METHOD =
  'GPU-hours while running or checkpointing (wall-clock time of the transitions) x busy power per GPU ' +
  '(rated system W x 0.8 x the site PUE, src/core/power.ts); cost and emissions over the site’s hourly ' +
  '2022 price and carbon series at the same hour of the year (the twin’s accounting)';

const rateCache = new WeakMap<ApiContext, Map<string, SiteRates>>();

/** Busy power of every site plus its grid series, read once per server (a zone without a series: null figures). */
function ratesOf(ctx: ApiContext): Map<string, SiteRates> {
  const hit = rateCache.get(ctx);
  if (hit) return hit;
  const out = new Map<string, SiteRates>();
  for (const [id, power] of powerRates(ctx.cp.fabric)) {
    const zone = ctx.cp.fabric.sites.find((s) => s.id === id)!.gridZone;
    let price: HourlyIntegral | null = null;
    let carbon: HourlyIntegral | null = null;
    try {
      const g = loadGridSeries(zone);
      price = new HourlyIntegral(g.priceUsdPerMWh, 0);
      carbon = new HourlyIntegral(g.carbonGPerKWh, 0);
    } catch (err) {
      ctx.app.log.warn({ site: id, zone, err: (err as Error).message }, 'usage: no grid series; cost unknown there');
    }
    out.set(id, { ...power, price, carbon });
  }
  rateCache.set(ctx, out);
  return out;
}

async function transitions(ctx: ApiContext, jobId: string) {
  return ctx.store.listEvents({ jobId, typePrefix: 'job.transition', limit: 10_000 });
}

/** A job's figures over its whole life, up to now (GET /v1/jobs/:id). */
export async function jobUsage(ctx: ApiContext, job: Job): Promise<JobUsage> {
  const now = ctx.now();
  const to = job.finishedAt ?? now;
  const figures = usageOf(busySegments(job, await transitions(ctx, job.id), now), ratesOf(ctx), job.createdAt, to);
  return { ...figures, from: new Date(job.createdAt).toISOString(), to: new Date(to).toISOString() };
}

async function tenantUsage(ctx: ApiContext, t: Tenant, fromMs: number, toMs: number): Promise<TenantUsage> {
  const { store } = ctx;
  const page = await store.listJobs({ tenantId: t.id, limit: USAGE_JOBS_MAX });
  const queued = await store.listJobs({ tenantId: t.id, states: ['queued'], limit: 100_000 });
  const rates = ratesOf(ctx);
  const rows: JobUsageRow[] = [];
  let totals = ZERO_USAGE;
  for (const j of page.jobs) {
    // never started, started after the period, or finished before it: nothing to count
    if (j.startedAt === null || j.startedAt >= toMs || (j.finishedAt !== null && j.finishedAt <= fromMs)) continue;
    const u = usageOf(busySegments(j, await transitions(ctx, j.id), ctx.now()), rates, fromMs, toMs);
    if (u.gpuHours === 0) continue;
    totals = addUsage(totals, u);
    const sites = [...new Set((j.placement ?? []).map((p) => p.site))];
    rows.push({ id: j.id, name: j.name, state: j.state, gpus: j.gpus, sites, ...u });
  }
  rows.sort((a, b) => b.energyMWh - a.energyMWh);
  const oldest = page.jobs[page.jobs.length - 1];
  return {
    tenant: t.id,
    name: t.name,
    quotaGpus: t.quotaGpus,
    activeGpus: await store.activeGpus(t.id),
    queue: { jobs: queued.jobs.length, gpus: queued.jobs.reduce((a, j) => a + (j.gpus ?? 0), 0) },
    totals,
    jobs: rows,
    // older jobs were not read: one of them may have run in the period
    truncated: page.nextCursor !== null && oldest !== undefined && (oldest.finishedAt ?? Infinity) > fromMs,
  };
}

/** The tenants a caller may see: operators every one (or ?tenant), anyone else only their own. */
async function visibleTenants(ctx: ApiContext, p: Principal, tenant: string | undefined): Promise<Tenant[]> {
  if (!isOperator(p) && tenant !== undefined && tenant !== p.tenantId)
    throw new ForbiddenError('you may see only your own tenant’s usage');
  const want = isOperator(p) ? tenant : p.tenantId;
  if (want === undefined) return ctx.store.listTenants();
  const t = await ctx.store.getTenant(want);
  if (!t) throw new NotFoundError('tenant', want);
  return [t];
}

export function registerUsageRoutes(ctx: ApiContext): void {
  ctx.app.get(
    '/v1/usage',
    doc('Per tenant for a period: quota, GPUs in use, queue, and each job’s GPU-hours, energy, cost, emissions', [
      'tenants',
    ]),
    async (req): Promise<UsageResponse> => {
      const p = principal(req);
      const q = parse(UsageQuery, req.query);
      const toMs = q.to ? Date.parse(q.to) : ctx.now();
      const fromMs = q.from ? Date.parse(q.from) : toMs - DAY_MS;
      if (fromMs >= toMs)
        throw new InvalidInputError(
          [{ path: 'from', message: 'from is not before to (default now)', hint: 'give a from earlier than to' }],
          400,
        );
      const tenants = await visibleTenants(ctx, p, q.tenant);
      const out: TenantUsage[] = [];
      for (const t of tenants) out.push(await tenantUsage(ctx, t, fromMs, toMs));
      return {
        from: new Date(fromMs).toISOString(),
        to: new Date(toMs).toISOString(),
        method: USAGE_METHOD,
        tenants: out,
      };
    },
  );
}
