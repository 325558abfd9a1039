// NVIDIA's multi-data-center Nemotron-4 340B run (NeMo 25.02 / Megatron-Core 0.11: hierarchical DP, two sites about
// 1,000 km apart, 96% scaling efficiency). The source publishes no WAN capacity: it is derived from NVIDIA's reference
// architecture (N/S ports per node x nodes per site), and the prediction is checked against the 96%. Pure: the caller
// passes the single-site system tiers (dgx-h100-ib).
import { DEFAULT_WAN_EQUIPMENT_LATENCY_MS, FIBER_US_PER_KM } from '../fabric/constants.js';
import { estimateWithTiers } from './estimate.js';
import { wanTier } from './tiers.js';
import type { ModelSpec, Plan, SystemTiers } from './types.js';

/** Nemotron-4 340B technical report (NVIDIA, arXiv 2406.11704), Table 1/2: 96 layers, hidden 18432, 96 heads, 8 KV
 * heads, FFN 73728 squared-ReLU, vocabulary 256k, sequence 4096, untied embeddings. */
export const nemotron4: ModelSpec = {
  name: 'Nemotron-4 340B',
  layers: 96,
  hiddenSize: 18432,
  ffnHiddenSize: 73728,
  attentionHeads: 96,
  kvHeads: 8,
  vocabSize: 256000,
  seqLength: 4096,
  gatedMlp: false,
};

/** Report Table 2, the stage on all 6,144 H100: TP 8, PP 12, DP 64, batch 2,304, 8.0 s per iteration. */
export const NEMOTRON_SINGLE_SITE_STEP_S = 8.0;
/** The published plan at `dp` replicas (dp 64 = the report's 6,144 GPUs; dp 32 = one site's half of them). */
export function nemotronPlan(vpp: number, dp = 64): Plan {
  return { gpus: 96 * dp, tp: 8, pp: 12, dp, vpp, mbs: 1, gbs: 2304, seq: 4096, sequenceParallel: true, zero: 1 };
}
/** NeMo / Megatron-Core performance settings (as the validation set's Megatron-Bridge rows). */
export const nemotronOptions = {
  flashAttention: true,
  tpCommOverlap: true,
  dpOverlap: true,
  gradReduceBytes: 2,
  attentionKernel: 'flash3' as const,
};
/** ASSUMPTION: 1,000 km of fiber (the blog's "about 1,000 km") at 4.9 us/km plus 0.1 ms of equipment, one way. */
export const NEMOTRON_WAN_LATENCY_MS = (1000 * FIBER_US_PER_KM) / 1000 + DEFAULT_WAN_EQUIPMENT_LATENCY_MS;
/** NVIDIA's published cross-site scaling efficiency (technical blog, NeMo 25.02). */
export const NVIDIA_PUBLISHED_EFFICIENCY = 0.96;
/** ASSUMPTION: 6,144 GPUs split evenly, 3,072 (384 DGX H100 nodes) per site; DP 64 = 32 + 32. */
export const NEMOTRON_NODES_PER_SITE = 3072 / 8;
/** NVIDIA's HGX AI Factory reference architecture (H100/H200/B200): the converged North/South network connects each
 * node "using two 200 GbE ports". Megatron-Core 0.11 runs multi-data-center training "through N/S connection". */
export const NS_GBPS_PER_NODE = 2 * 200;
/** Derived, not fitted: every node of a site sends its gradient shard over its N/S ports (ASSUMPTION: the DCI
 * between the sites carries the sites' whole N/S rate; the result moves < 0.1 point from a half to twice this). */
export const NEMOTRON_DERIVED_WAN_GBPS = NEMOTRON_NODES_PER_SITE * NS_GBPS_PER_NODE;

function stepSeconds(tiers: SystemTiers, vpp: number, dp: number, capacityGbps?: number): number {
  const wan =
    capacityGbps === undefined
      ? undefined
      : { tier: wanTier({ capacityGbps, latencyMs: NEMOTRON_WAN_LATENCY_MS }), dpSites: 2, ppSites: 1 };
  return estimateWithTiers(nemotron4, tiers, nemotronPlan(vpp, dp), { ...nemotronOptions, wan }).stepTimeSeconds;
}

/** The best interleaving the report leaves unstated, as the validation set searches unstated knobs. */
export function bestNemotronSingleSite(tiers: SystemTiers, dp = 64): { vpp: number; stepS: number } {
  const best = [1, 2, 3, 4, 6, 8]
    .map((vpp) => ({ vpp, e: estimateWithTiers(nemotron4, tiers, nemotronPlan(vpp, dp), nemotronOptions) }))
    .filter((x) => x.e.fits)
    .sort((a, b) => a.e.stepTimeSeconds - b.e.stepTimeSeconds)[0];
  if (!best) throw new Error('Nemotron-4 340B: no interleaving of the published plan fits the single-site model');
  return { vpp: best.vpp, stepS: best.e.stepTimeSeconds };
}

/** Step-time ratio single site / two sites (DP split 32 + 32, hierarchical all-reduce) at `capacityGbps`: the
 * reading "two sites against the same 6,144 GPUs in one site". */
export function nemotronCrossSiteEfficiency(tiers: SystemTiers, vpp: number, capacityGbps: number): number {
  return stepSeconds(tiers, vpp, 64) / stepSeconds(tiers, vpp, 64, capacityGbps);
}

/** Scaling efficiency in its usual sense: per-GPU throughput of the 6,144-GPU two-site run against the 3,072 GPUs
 * of one site alone at the same global batch (strong scaling, ASSUMPTION), each at its best interleaving. */
export function nemotronScalingEfficiency(tiers: SystemTiers, capacityGbps: number): number {
  const oneSite = bestNemotronSingleSite(tiers, 32).stepS;
  const twoSites = Math.min(...[1, 2, 3, 4, 6, 8].map((vpp) => stepSeconds(tiers, vpp, 64, capacityGbps)));
  return oneSite / (2 * twoSites);
}

/** Smallest WAN capacity (Gb/s, to 1%) at which the model keeps `target` efficiency: bisection on a log scale
 * (efficiency grows with capacity; the unit test checks that monotonicity). */
export function capacityForEfficiencyGbps(tiers: SystemTiers, vpp: number, target: number): number {
  let lo = 100;
  let hi = 1_000_000;
  if (nemotronCrossSiteEfficiency(tiers, vpp, hi) < target) return Infinity;
  while (hi / lo > 1.01) {
    const mid = Math.sqrt(lo * hi);
    if (nemotronCrossSiteEfficiency(tiers, vpp, mid) >= target) hi = mid;
    else lo = mid;
  }
  return hi;
}

export interface NemotronCrossSiteSummary {
  vpp: number;
  singleSiteStepS: number;
  oneSiteHalfStepS: number;
  points: { capacityGbps: number; efficiency: number }[];
  capacityFor96Gbps: number;
  derivedGbps: number;
  /** The validation figure: scaling efficiency at the derived capacity (and at half and twice it). */
  scalingEfficiency: { half: number; derived: number; double: number };
  sameSizeEfficiency: number;
}

export function nemotronCrossSite(tiers: SystemTiers): NemotronCrossSiteSummary {
  const { vpp, stepS } = bestNemotronSingleSite(tiers);
  const points = [1_600, 3_200, 6_400, 12_800, 25_600, 51_200].map((capacityGbps) => ({
    capacityGbps,
    efficiency: nemotronCrossSiteEfficiency(tiers, vpp, capacityGbps),
  }));
  const derivedGbps = NEMOTRON_DERIVED_WAN_GBPS;
  return {
    vpp,
    singleSiteStepS: stepS,
    oneSiteHalfStepS: bestNemotronSingleSite(tiers, 32).stepS,
    points,
    capacityFor96Gbps: capacityForEfficiencyGbps(tiers, vpp, 0.96),
    derivedGbps,
    scalingEfficiency: {
      half: nemotronScalingEfficiency(tiers, derivedGbps / 2),
      derived: nemotronScalingEfficiency(tiers, derivedGbps),
      double: nemotronScalingEfficiency(tiers, derivedGbps * 2),
    },
    sameSizeEfficiency: nemotronCrossSiteEfficiency(tiers, vpp, derivedGbps),
  };
}

const pct = (x: number) => `${(100 * x).toFixed(1)}%`;

function setupTable(s: NemotronCrossSiteSummary): string[] {
  return [
    '| item | value | status |',
    '|---|---|---|',
    '| model, single-site plan | TP 8, PP 12, DP 64 on 6,144 H100 (DGX H100, IB), batch 2,304 x 4,096, 8.0 s per iteration | report Table 2 |',
    `| unstated interleaving | vpp ${s.vpp} (the fastest that fits; each run below at its own best) | searched, as in the validation set |`,
    '| split across sites | DP 64 = 32 + 32, TP and PP inside each site (3,072 GPUs, 384 DGX H100 per site) | **assumption** (the blog describes only the gradient all-reduce crossing sites) |',
    `| WAN one-way latency | ${NEMOTRON_WAN_LATENCY_MS.toFixed(1)} ms (1,000 km x 4.9 us/km + 0.1 ms) | **assumption** from "about 1,000 km" |`,
    `| WAN capacity | ${(s.derivedGbps / 1000).toFixed(1)} Tb/s = 384 nodes x 2 x 200 GbE | derived: Megatron-Core 0.11 release notes ("multi datacenter training support through N/S connection"); NVIDIA HGX AI Factory reference architecture (N/S network: "two 200 GbE ports" per node); **assumption**: the DCI carries the sites' whole N/S rate |`,
    '| what "96% scaling efficiency" compares | per-GPU throughput, 6,144 GPUs on two sites against 3,072 GPUs on one site, same global batch 2,304 (strong scaling) | **assumption** (the blog text reviewed does not define its baseline); the other reading is shown below |',
  ];
}

/** docs/validation.md section: the published setup, what is assumed, the prediction and the capacity sweep. */
export function formatCrossSiteMarkdown(s: NemotronCrossSiteSummary): string {
  const stepErr = (100 * (s.singleSiteStepS / NEMOTRON_SINGLE_SITE_STEP_S - 1)).toFixed(1);
  const e = s.scalingEfficiency;
  const points = (100 * (e.derived - NVIDIA_PUBLISHED_EFFICIENCY)).toFixed(1);
  return [
    '## Hierarchical DP across sites: Nemotron-4 340B (NVIDIA NeMo 25.02)',
    '',
    'Published: NVIDIA technical blog "Turbocharge LLM Training Across Long-Haul Data Center Networks with NVIDIA NeMo',
    'Framework" (NeMo 25.02, Megatron-Core 0.11): Nemotron-4 340B trained across two data centers about 1,000 km apart',
    'at 96% scaling efficiency, with hierarchical all-reduce (reduce-scatter in each site, all-reduce across',
    'sites, all-gather in each site), chunked inter-site transfers overlapped with compute, and the parallelism chosen',
    'to suit the long-haul link. The text reviewed gives no WAN capacity, no GPU count per site ("thousands of GPUs")',
    "and no iteration time. Modelled setup, from the technical report (arXiv 2406.11704, Table 2), NVIDIA's reference",
    'architecture and assumptions (none tuned to the 96%):',
    '',
    ...setupTable(s),
    '',
    `Single site: predicted ${s.singleSiteStepS.toFixed(2)} s per iteration against the published 8.0 s (${stepErr}%);`,
    `one site's 3,072 GPUs alone at the same batch: ${s.oneSiteHalfStepS.toFixed(2)} s.`,
    '',
    `**Prediction: ${pct(e.derived)} scaling efficiency against NVIDIA's 96% (${points} points; issue 11: within 3)**,`,
    `${pct(e.half)} at half the derived capacity and ${pct(e.double)} at twice it. At this capacity the WAN exchange`,
    'hides behind the backward pass; the loss is mostly the larger pipeline bubble of 36 instead of 72 micro-batches per replica.',
    `Under the other reading (two sites against the same 6,144 GPUs in one site) the model predicts ${pct(s.sameSizeEfficiency)}:`,
    'the 96% would then need a thinner link, as the sweep shows (test: src/perf/cross-site.test.ts).',
    '',
    '| WAN capacity (Tb/s) | ' + s.points.map((p) => (p.capacityGbps / 1000).toFixed(1)).join(' | ') + ' |',
    '|---|' + s.points.map(() => '---:').join('|') + '|',
    '| two sites / same GPUs in one site | ' + s.points.map((p) => pct(p.efficiency)).join(' | ') + ' |',
    '',
    `Same-size reading: 96% at ${(s.capacityFor96Gbps / 1000).toFixed(1)} Tb/s.`,
    '',
  ].join('\n');
}
