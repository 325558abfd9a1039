// Adapter to the planner (src/planner). Loaded lazily so that the control plane runs (plan: null)
// while the planner is absent; once it exists, jobs get their chosen plan.
import type { Fabric } from '../fabric/types.js';
import { loadModel, parseModel, type ModelSpec } from '../perf/index.js';
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

type PlanJob = (args: { model: ModelSpec; fabric: Fabric; gpus?: number; sites?: string[]; allow?: string[]; tokens?: number; top?: number }) =>
  | PlanResult
  | Promise<PlanResult>;

export function resolveModel(model: string | InlineModel): ModelSpec {
  return typeof model === 'string' ? loadModel(model) : parseModel(model, 'model');
}

let cached: Promise<PlannerFn | null> | null = null;

/** The planner, or null when src/planner does not export planJob (yet). */
export function loadPlanner(): Promise<PlannerFn | null> {
  cached ??= (async () => {
    try {
      const spec = '../planner/index.js';
      const mod = (await import(spec)) as { planJob?: PlanJob };
      if (typeof mod.planJob !== 'function') return null;
      const planJob = mod.planJob;
      return async (req: PlanRequest, fabric: Fabric) =>
        planJob({
          model: resolveModel(req.model),
          fabric,
          ...(req.gpus !== undefined ? { gpus: req.gpus } : {}),
          ...(req.tokens !== undefined ? { tokens: req.tokens } : {}),
          ...(req.sites ? { sites: req.sites } : {}),
          ...(req.allow ? { allow: req.allow } : {}),
          ...(req.top !== undefined ? { top: req.top } : {}),
        });
    } catch {
      return null;
    }
  })();
  return cached;
}
