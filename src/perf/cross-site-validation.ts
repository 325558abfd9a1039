// NVIDIA's multi-data-center Nemotron-4 340B run (NeMo 25.02 / Megatron-Core 0.11: hierarchical DP, two sites about
// 1,000 km apart, 96% of the single-site throughput). The source publishes no WAN capacity, so the model cannot be
// held to the 96%: this module states what the model predicts on the published setup and which capacity the 96%
// implies. Pure: the caller passes the single-site system tiers (dgx-h100-ib).
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
export function nemotronPlan(vpp: number): Plan {
  return { gpus: 6144, tp: 8, pp: 12, dp: 64, vpp, mbs: 1, gbs: 2304, seq: 4096, sequenceParallel: true, zero: 1 };
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
export const NEMOTRON_WAN_LATENCY_MS = 1000 * 0.0049 + 0.1;
/** NVIDIA's published cross-site scaling efficiency (technical blog, NeMo 25.02). */
export const NVIDIA_PUBLISHED_EFFICIENCY = 0.96;

/** The best interleaving the report leaves unstated, as the validation set searches unstated knobs. */
export function bestNemotronSingleSite(tiers: SystemTiers): { vpp: number; stepS: number } {
  const best = [1, 2, 3, 4, 6, 8]
    .map((vpp) => ({ vpp, e: estimateWithTiers(nemotron4, tiers, nemotronPlan(vpp), nemotronOptions) }))
    .filter((x) => x.e.fits)
    .sort((a, b) => a.e.stepTimeSeconds - b.e.stepTimeSeconds)[0];
  if (!best) throw new Error('Nemotron-4 340B: no interleaving of the published plan fits the single-site model');
  return { vpp: best.vpp, stepS: best.e.stepTimeSeconds };
}

/** Step-time ratio single site / two sites (DP split 32 + 32, hierarchical all-reduce) at `capacityGbps`. */
export function nemotronCrossSiteEfficiency(tiers: SystemTiers, vpp: number, capacityGbps: number): number {
  const single = estimateWithTiers(nemotron4, tiers, nemotronPlan(vpp), nemotronOptions).stepTimeSeconds;
  const wan = { tier: wanTier({ capacityGbps, latencyMs: NEMOTRON_WAN_LATENCY_MS }), dpSites: 2, ppSites: 1 };
  return single / estimateWithTiers(nemotron4, tiers, nemotronPlan(vpp), { ...nemotronOptions, wan }).stepTimeSeconds;
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
  points: { capacityGbps: number; efficiency: number }[];
  capacityFor96Gbps: number;
}

export function nemotronCrossSite(tiers: SystemTiers): NemotronCrossSiteSummary {
  const { vpp, stepS } = bestNemotronSingleSite(tiers);
  const points = [1_600, 3_200, 6_400, 12_800, 25_600, 51_200].map((capacityGbps) => ({
    capacityGbps,
    efficiency: nemotronCrossSiteEfficiency(tiers, vpp, capacityGbps),
  }));
  return { vpp, singleSiteStepS: stepS, points, capacityFor96Gbps: capacityForEfficiencyGbps(tiers, vpp, 0.96) };
}

/** docs/validation.md section: the published setup, what is assumed, and why the 96% is bracketed, not matched. */
export function formatCrossSiteMarkdown(s: NemotronCrossSiteSummary): string {
  const pct = (x: number) => `${(100 * x).toFixed(1)}%`;
  const stepErr = (100 * (s.singleSiteStepS / NEMOTRON_SINGLE_SITE_STEP_S - 1)).toFixed(1);
  return [
    '## Hierarchical DP across sites: Nemotron-4 340B (NVIDIA NeMo 25.02)',
    '',
    'Published: NVIDIA technical blog "Turbocharge LLM Training Across Long-Haul Data Center Networks with NVIDIA NeMo',
    'Framework" (NeMo 25.02, Megatron-Core 0.11): Nemotron-4 340B trained across two data centers about 1,000 km apart',
    'at 96% of the single-site throughput, with hierarchical all-reduce (reduce-scatter in each site, all-reduce across',
    'sites, all-gather in each site), chunked inter-site transfers overlapped with compute, and the parallelism chosen',
    'to suit the long-haul link. The text reviewed gives no WAN capacity, no GPU count per site ("thousands of GPUs")',
    'and no iteration time. Modelled setup, from the technical report (arXiv 2406.11704, Table 2) and assumptions:',
    '',
    '| item | value | status |',
    '|---|---|---|',
    '| model, single-site plan | TP 8, PP 12, DP 64 on 6,144 H100 (DGX H100, IB), batch 2,304 x 4,096, 8.0 s per iteration | report Table 2 |',
    `| unstated interleaving | vpp ${s.vpp} (the fastest that fits) | searched, as in the validation set |`,
    '| split across sites | DP 64 = 32 + 32, TP and PP inside each site (3,072 GPUs per site) | **assumption** (the blog describes only the gradient all-reduce crossing sites) |',
    `| WAN one-way latency | ${NEMOTRON_WAN_LATENCY_MS.toFixed(1)} ms (1,000 km x 4.9 us/km + 0.1 ms) | **assumption** from "about 1,000 km" |`,
    '| WAN capacity | not published | swept below |',
    '',
    `Single site: predicted ${s.singleSiteStepS.toFixed(2)} s per iteration against the published 8.0 s (${stepErr}%).`,
    '',
    '| WAN capacity (Tb/s) | ' + s.points.map((p) => (p.capacityGbps / 1000).toFixed(1)).join(' | ') + ' |',
    '|---|' + s.points.map(() => '---:').join('|') + '|',
    '| predicted cross-site efficiency | ' + s.points.map((p) => pct(p.efficiency)).join(' | ') + ' |',
    '',
    `The model reaches NVIDIA's 96% at ${(s.capacityFor96Gbps / 1000).toFixed(1)} Tb/s between the sites. **Not a validation`,
    'of the 96%**: no public figure found pins the capacity (the blog and the report state none; searches of NVIDIA',
    "docs and web pages for the run's link capacity found nothing), so the test (src/perf/cross-site.test.ts) only",
    'brackets it between 6.4 and 25.6 Tb/s; a capacity stated by NVIDIA would turn this into a check within 3 points.',
    '',
  ].join('\n');
}
