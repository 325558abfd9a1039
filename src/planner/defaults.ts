// The planner's defaults and tolerances, each with its source or marked as a choice, and its input error type.
import { InputIssuesError, type InputIssue } from '../core/issues.js';

/** Chinchilla-optimal budget: about 20 training tokens per parameter (Hoffmann et al., arXiv 2203.15556). */
export const CHINCHILLA_TOKENS_PER_PARAM = 20;
/** Default tokens per step: 16M, Llama 3 405B's final batch (arXiv 2407.21783, Sec. 3.4.1). */
export const DEFAULT_TOKENS_PER_STEP = 16 * 2 ** 20;
/**
 * Local-SGD defaults. H = 100 inner steps and 4-bit outer gradients streamed in fragments follow Streaming DiLoCo
 * (Douillard et al., arXiv 2501.18512). Token efficiency is the law of diloco-efficiency.ts (replicas and model size,
 * fitted to Charles et al., arXiv 2503.09799); DILOCO_TOKEN_EFFICIENCY is the former flat assumption, kept for
 * callers that pass it. Override with dilocoTokenEfficiency.
 */
export const DILOCO_INNER_STEPS = 100;
export const DILOCO_OUTER_BITS = 4;
export const DILOCO_TOKEN_EFFICIENCY = 0.95;
/** How far above the target batch a plan's rounded global batch may go. */
export const BATCH_SLACK = 1.25;
/** Exposed WAN time that a plan may leave before the planner calls the WAN its bottleneck. */
export const WAN_TOLERATED_SHARE = 0.05;

export class PlannerInputError extends InputIssuesError {
  constructor(issues: InputIssue[]) {
    super(issues);
    this.name = 'PlannerInputError';
  }
}
