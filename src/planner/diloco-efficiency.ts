// DiLoCo's token efficiency against synchronous data-parallel training, as a law of the replica count M and the
// model size N fitted to Charles et al., "Scaling Laws for DiLoCo" (arXiv 2503.09799). Pure.

/**
 * Table 4 of arXiv 2503.09799: evaluation-loss gap of DiLoCo vs Data-Parallel, percent, after a Chinchilla budget
 * (20 tokens per parameter) on C4 with H = 30 inner steps, each cell tuned (learning rate, batch, outer rate).
 * Columns: M = 1, 2, 4, 8 replicas.
 */
export const DILOCO_LOSS_GAP_TABLE: ReadonlyArray<{
  params: number;
  gapPercent: readonly [number, number, number, number];
}> = [
  { params: 35e6, gapPercent: [-0.1, 0.7, 2.0, 3.9] },
  { params: 90e6, gapPercent: [-0.1, 0.5, 1.5, 3.1] },
  { params: 180e6, gapPercent: [-0.2, 0.3, 1.1, 2.3] },
  { params: 335e6, gapPercent: [-0.3, 0.1, 0.9, 2.0] },
  { params: 550e6, gapPercent: [-0.3, 0.2, 0.7, 1.7] },
  { params: 1.3e9, gapPercent: [-0.4, 0.2, 0.5, 1.3] },
  { params: 2.4e9, gapPercent: [-0.4, -0.1, 0.3, 1.1] },
];

/** Data-Parallel loss law L(N) = A N^alpha along the Chinchilla frontier (Table 7 of arXiv 2503.09799). */
export const DP_LOSS_EXPONENT = -0.0953;

/** Linear interpolation in log N between table rows; outside the table the nearest row holds (see dilocoTokenEfficiency). */
function gapAtSize(params: number, column: number): number {
  const rows = DILOCO_LOSS_GAP_TABLE;
  if (params <= rows[0].params) return rows[0].gapPercent[column];
  for (let i = 1; i < rows.length; i++) {
    if (params <= rows[i].params) {
      const a = rows[i - 1];
      const b = rows[i];
      const t = Math.log(params / a.params) / Math.log(b.params / a.params);
      return a.gapPercent[column] + t * (b.gapPercent[column] - a.gapPercent[column]);
    }
  }
  return rows[rows.length - 1].gapPercent[column];
}

/** Loss gap (percent) for M replicas and N parameters: linear in log2 M between 1, 2, 4, 8; beyond 8 the 4 -> 8 slope. */
export function dilocoLossGapPercent(replicas: number, params: number): number {
  const x = Math.log2(Math.max(1, replicas));
  const lo = Math.min(2, Math.floor(x));
  return gapAtSize(params, lo) + (x - lo) * (gapAtSize(params, lo + 1) - gapAtSize(params, lo));
}

/**
 * Tokens a synchronous run needs, per DiLoCo token, to reach DiLoCo's loss: along the Data-Parallel frontier
 * L ~ C^(alpha/2) (C = 6 N D with D = 20 N), a relative loss gap g costs (1 + g)^(2 / alpha) of the compute.
 * Capped at 1: the planner never credits local SGD with beating synchronous training (the paper finds M <= 2 slightly
 * better at scale; not relied on). Beyond 2.4B parameters the 2.4B row holds (assumption; conservative: the gap
 * shrinks with N, Table 5's 4B and 10B runs are at or below it). H is the paper's 30; other H and outer-gradient
 * bits are not in the law (the paper's H ablation, Figure 9, gives no table; assumption).
 */
export function dilocoTokenEfficiency(replicas: number, params: number): number {
  const gap = dilocoLossGapPercent(replicas, params) / 100;
  return Math.min(1, (1 + gap) ** (2 / DP_LOSS_EXPONENT));
}
