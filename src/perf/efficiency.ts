// Achievable fraction of peak for one matmul, by its size: thin or small GEMMs run slower.
// Shape of the curve: Calculon (Isaev et al., SC'23; calculon-ai/calculon systems/a100_80g.json and
// h100_80g_nvl8.json, "gflops_efficiency"): 0.95 at >=128 GFLOP, 0.9 at 16, 0.6 at 1, 0.1 at 0 GFLOP,
// interpolated linearly in log2(GFLOP), and scaled to the GPU's Maximum Achievable Matmul FLOPS (data/catalog/
// achievable.json): Calculon's 0.95 plateau is cuBLAS's best case, which no datasheet GPU sustains. A second, physical limit is the roofline: a GEMM cannot run faster than
// its operand bytes stream from HBM.

const CURVE_LOG2_GFLOP = [-10, 0, 4, 7]; // 0 GFLOP is placed at 2^-10 GFLOP (1 MFLOP) for the log scale.
const CURVE_EFFICIENCY = [0.1, 0.6, 0.9, 0.95];

/** The curve's shape, scaled so that its plateau equals the GPU's measured MAMF fraction. */
export function gemmSizeEfficiency(gflop: number, mamfFraction: number): number {
  return (curve(gflop) * mamfFraction) / CURVE_EFFICIENCY[CURVE_EFFICIENCY.length - 1];
}

const PLATEAU_GFLOP = 2 ** CURVE_LOG2_GFLOP[CURVE_LOG2_GFLOP.length - 1];
const FLOOR_GFLOP = 2 ** CURVE_LOG2_GFLOP[0];
/** Slope of each segment per log2 unit, computed once (this runs for every GEMM of every estimate). */
const CURVE_SLOPES = CURVE_LOG2_GFLOP.slice(1).map(
  (x1, i) => (CURVE_EFFICIENCY[i + 1] - CURVE_EFFICIENCY[i]) / (x1 - CURVE_LOG2_GFLOP[i]),
);

function curve(gflop: number): number {
  // Plateau and floor need no logarithm; NaN falls through to the plateau, as the loop below did.
  if (gflop <= FLOOR_GFLOP) return CURVE_EFFICIENCY[0];
  if (!(gflop < PLATEAU_GFLOP)) return CURVE_EFFICIENCY[CURVE_EFFICIENCY.length - 1];
  const x = Math.log2(gflop);
  let i = 1;
  while (x > CURVE_LOG2_GFLOP[i]) i++;
  return CURVE_EFFICIENCY[i - 1] + CURVE_SLOPES[i - 1] * (x - CURVE_LOG2_GFLOP[i - 1]);
}

/**
 * Seconds for a GEMM [m x k] x [k x n] on one GPU: the slower of the size-efficiency compute time and the HBM
 * roofline (read both operands, write the result; 2 bytes each in BF16, 1 in FP8 inputs with a BF16 result taken
 * as 1.5 on average by the caller).
 */
export function gemmSeconds(
  m: number,
  k: number,
  n: number,
  peakFlops: number,
  hbmBytesPerSecond: number,
  mamfFraction: number,
  bytesPerElement = 2,
): number {
  const flops = 2 * m * k * n;
  const computeSeconds = flops / (peakFlops * gemmSizeEfficiency(flops / 1e9, mamfFraction));
  const memorySeconds = (bytesPerElement * (m * k + k * n + m * n)) / hbmBytesPerSecond;
  return computeSeconds > memorySeconds ? computeSeconds : memorySeconds;
}

/** Sustained fraction of HBM bandwidth for streaming element-wise kernels (Calculon mem1 efficiency at >=100 MB: 0.9). */
export const HBM_STREAM_EFFICIENCY = 0.9;
/**
 * Sustained fraction of burst speed for a training step's kernels: clocks under sustained power draw, kernel
 * launch gaps and framework work that the kernel-level model does not see. One constant for every GPU and case,
 * fitted once to all published cases in data/validation (docs/validation.md); an assumption, not a datasheet figure.
 */
export const SUSTAINED_KERNEL_EFFICIENCY = 0.78;
