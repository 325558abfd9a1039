// Adapter to the planner (src/planner): the control plane's plan requests and results.
import type { Fabric } from '../fabric/types.js';
import { loadModel, parseModel, type ModelSpec } from '../perf/index.js';
import { planJob } from '../planner/index.js';
import type { InlineModel } from './domain.js';

export interface PlanPlacement {
  site: string;
  jurisdiction?: string;
  gpus: number;
}

export interface RankedPlan {
  strategy?: string;
  placement: PlanPlacement[];
  tp?: number;
  pp?: number;
  dp?: number;
  tokensPerSecond?: number;
  effectiveTokensPerSecond?: number;
  [k: string]: unknown;
}

export interface PlanResult {
  plans: RankedPlan[];
  plansEvaluated?: number;
  searchSeconds?: number;
  [k: string]: unknown;
}

export interface PlanRequest {
  model: string | InlineModel;
  gpus?: number;
  tokens?: number;
  sites?: string[];
  allow?: string[];
  top?: number;
}

export type PlannerFn = (req: PlanRequest, fabric: Fabric) => Promise<PlanResult>;

export function resolveModel(model: string | InlineModel): ModelSpec {
  return typeof model === 'string' ? loadModel(model) : parseModel(model, 'model');
}

/** The planner (src/planner) behind the control plane's narrower request type. */
export const realPlanner: PlannerFn = async (req, fabric) =>
  (await planJob({
    model: resolveModel(req.model),
    fabric,
    ...(req.gpus !== undefined ? { gpus: req.gpus } : {}),
    ...(req.tokens !== undefined ? { tokens: req.tokens } : {}),
    ...(req.sites ? { sites: req.sites } : {}),
    ...(req.allow ? { allow: req.allow } : {}),
    ...(req.top !== undefined ? { top: req.top } : {}),
  })) as unknown as PlanResult;

/** The planner for the server's options (kept async so a deployment may swap in a remote planner). */
export function loadPlanner(): Promise<PlannerFn | null> {
  return Promise.resolve(realPlanner);
}
