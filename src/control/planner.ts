// Adapter to the planner (src/planner): the control plane's narrower plan request, the planner's own
// result types (so renaming a planner field fails to compile here and wherever a job's plan is read).
import type { Fabric } from '../fabric/types.js';
import { loadModel, parseModel, type ModelSpec } from '../perf/index.js';
import { planJob } from '../planner/index.js';
import type { PlanResult, RankedPlan, SitePlacement, Strategy } from '../planner/types.js';
import type { InlineModel } from './domain.js';

export type { PlanResult, RankedPlan };
export type PlanPlacement = SitePlacement;

export interface PlanRequest {
  model: string | InlineModel;
  gpus?: number;
  tokens?: number;
  sites?: string[];
  allow?: string[];
  top?: number;
  strategies?: Strategy[];
  dilocoInnerSteps?: number;
  dilocoOuterBits?: number;
  dilocoStreaming?: boolean;
  precision?: 'bf16' | 'fp8' | 'auto';
}

export type PlannerFn = (req: PlanRequest, fabric: Fabric) => Promise<PlanResult>;

export function resolveModel(model: string | InlineModel): ModelSpec {
  return typeof model === 'string' ? loadModel(model) : parseModel(model, 'model');
}

/** The planner (src/planner) behind the control plane's narrower request type; `clock` (ms) times each search. */
export const plannerWith =
  (clock?: () => number): PlannerFn =>
  async (req, fabric) =>
    planJob(
      {
        model: resolveModel(req.model),
        fabric,
        ...(req.gpus !== undefined ? { gpus: req.gpus } : {}),
        ...(req.tokens !== undefined ? { tokens: req.tokens } : {}),
        ...(req.sites ? { sites: req.sites } : {}),
        ...(req.allow ? { allow: req.allow } : {}),
        ...(req.top !== undefined ? { top: req.top } : {}),
        ...(req.strategies ? { strategies: req.strategies } : {}),
        ...(req.dilocoInnerSteps !== undefined ? { dilocoInnerSteps: req.dilocoInnerSteps } : {}),
        ...(req.dilocoOuterBits !== undefined ? { dilocoOuterBits: req.dilocoOuterBits } : {}),
        ...(req.dilocoStreaming !== undefined ? { dilocoStreaming: req.dilocoStreaming } : {}),
        ...(req.precision !== undefined ? { precision: req.precision } : {}),
      },
      clock,
    );

/** The planner without a clock (searchSeconds 0), for tests; the server passes its clock to loadPlanner. */
export const realPlanner: PlannerFn = plannerWith();

/** The planner for the server's options (kept async so a deployment may swap in a remote planner). */
export function loadPlanner(clock?: () => number): Promise<PlannerFn | null> {
  return Promise.resolve(plannerWith(clock));
}
