// Planning: queued jobs without a plan get one from the planner, within a budget per tick measured
// on the injected clock (no wall clock here), cached per model / GPUs / tokens / jurisdictions.
import type { JobPlan } from '../../contract/responses.js';
import type { Job } from '../domain.js';
import type { SchedulerContext } from './context.js';

/** Planning runs in slices of at most this many ms of `clock`, each followed by a yield to the event
 * loop, so that API requests are served between slices (issue 10 "Under load"). */
const PLAN_SLICE_MS = 8;
/** At most this many plans are stored per slice: a cached plan costs microseconds, its write far more,
 * so without a cap one slice would store thousands of plans in one long commit. */
const PLAN_WRITES_PER_SLICE = 64;
const yieldToLoop = () => new Promise<void>((r) => setImmediate(r));

export class PlanStage {
  private readonly cache = new Map<string, JobPlan>();

  constructor(private readonly ctx: SchedulerContext) {}

  async planPending(queued: readonly Job[]): Promise<void> {
    const { cp, clock, opts, log } = this.ctx;
    if (!cp.planner) return;
    const deadline = clock() + opts.planBudgetMs;
    let sliceEnd = clock() + PLAN_SLICE_MS;
    let down: Set<string> | null = null;
    // a slice's plans are stored together: the store may commit them in one transaction (SQLite groups
    // the writes of one event-loop turn), instead of one commit per job
    let stores: Promise<void>[] = [];
    for (const job of queued) {
      if (job.plan !== null) continue;
      if (clock() > deadline) break;
      if (clock() > sliceEnd || stores.length >= PLAN_WRITES_PER_SLICE) {
        await Promise.all(stores);
        stores = [];
        await yieldToLoop();
        sliceEnd = clock() + PLAN_SLICE_MS;
      }
      // planned for the sites that are not down (a job requeued off a lost site is planned again)
      down ??= new Set((await cp.store.listSites()).filter((s) => s.status === 'down').map((s) => s.id));
      const sites = cp.eligibleSites(job.spec).filter((s) => !down!.has(s));
      const o = job.spec.planOptions ?? {};
      const key = JSON.stringify([job.spec.model, job.spec.gpus, job.spec.tokens, sites, o]);
      let plan = this.cache.get(key);
      if (plan === undefined) {
        plan = await this.plan(job, sites);
        this.cache.set(key, plan);
      }
      const gpus = job.gpus ?? plan.placement?.reduce((a, p) => a + p.gpus, 0) ?? null;
      // the version check: the job may have been cancelled or changed while the loop served requests
      stores.push(
        cp.store.updateJob(job.id, { plan, gpus }, cp.now(), 'job.planned', undefined, job.version).then(
          () => undefined,
          (err: Error) => log.info({ job: job.id, err: err.message }, 'plan not stored (job changed meanwhile)'),
        ),
      );
    }
    await Promise.all(stores);
  }

  private async plan(job: Job, sites: string[]): Promise<JobPlan> {
    const { cp } = this.ctx;
    const spec = job.spec;
    const o = spec.planOptions ?? {};
    // a cross-site strategy needs two sites: with one left, the job runs on it (resumed from its checkpoint)
    const strategies = o.strategies && sites.length < 2 ? undefined : o.strategies;
    try {
      const r = await cp.planner!(
        {
          model: spec.model,
          ...(spec.gpus !== null ? { gpus: spec.gpus } : {}),
          ...(spec.tokens !== null ? { tokens: spec.tokens } : {}),
          sites,
          ...(spec.allowedJurisdictions ? { allow: spec.allowedJurisdictions } : {}),
          top: 1,
          ...(strategies ? { strategies } : {}),
          ...(o.dilocoInnerSteps !== undefined ? { dilocoInnerSteps: o.dilocoInnerSteps } : {}),
          ...(o.dilocoOuterBits !== undefined ? { dilocoOuterBits: o.dilocoOuterBits } : {}),
          ...(o.dilocoStreaming !== undefined ? { dilocoStreaming: o.dilocoStreaming } : {}),
        },
        cp.fabric,
      );
      return (r.plans[0] as JobPlan | undefined) ?? { error: 'no feasible plan' };
    } catch (err) {
      return { error: (err as Error).message };
    }
  }
}
