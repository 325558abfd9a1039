// Planning: queued jobs without a plan get one from the planner, within a budget per tick measured
// on the injected clock (no wall clock here), cached per model / GPUs / tokens / jurisdictions.
import type { JobPlan } from '../../contract/responses.js';
import type { Job } from '../domain.js';
import type { SchedulerContext } from './context.js';

export class PlanStage {
  private readonly cache = new Map<string, JobPlan>();

  constructor(private readonly ctx: SchedulerContext) {}

  async planPending(queued: readonly Job[]): Promise<void> {
    const { cp, clock, opts, log } = this.ctx;
    const planner = cp.planner;
    if (!planner) return;
    const deadline = clock() + opts.planBudgetMs;
    for (const job of queued) {
      if (job.plan !== null) continue;
      if (clock() > deadline) break;
      const key = JSON.stringify([job.spec.model, job.spec.gpus, job.spec.tokens, job.spec.allowedJurisdictions]);
      let plan = this.cache.get(key);
      if (plan === undefined) {
        try {
          const sites = cp.eligibleSites(job.spec);
          const r = await planner(
            {
              model: job.spec.model,
              ...(job.spec.gpus !== null ? { gpus: job.spec.gpus } : {}),
              ...(job.spec.tokens !== null ? { tokens: job.spec.tokens } : {}),
              sites,
              ...(job.spec.allowedJurisdictions ? { allow: job.spec.allowedJurisdictions } : {}),
              top: 1,
            },
            cp.fabric,
          );
          plan = (r.plans[0] as JobPlan | undefined) ?? { error: 'no feasible plan' };
        } catch (err) {
          plan = { error: (err as Error).message };
        }
        this.cache.set(key, plan);
      }
      const gpus = job.gpus ?? plan.placement?.reduce((a, p) => a + p.gpus, 0) ?? null;
      try {
        await cp.store.updateJob(job.id, { plan, gpus }, cp.now(), 'job.planned');
      } catch (err) {
        log.info({ job: job.id, err: (err as Error).message }, 'plan not stored (job changed meanwhile)');
      }
    }
  }
}
