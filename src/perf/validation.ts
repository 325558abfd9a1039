// Published training measurements (data/validation/*.json) against the model's predictions.
// Knobs a paper does not state (null) are searched, as the authors reported their best settings.
import { readFileSync, readdirSync } from 'node:fs';
import { dataPath } from '../data-dir.js';
import { loadFabric } from '../fabric/load.js';
import { estimateWithTiers, type EstimateOptions } from './estimate.js';
import { parseModel } from './models.js';
import { checkPlan } from './plan-check.js';
import { tiersForFabric } from './tiers.js';
import type { Estimate, Plan, Recompute, SystemTiers } from './types.js';

interface CaseFile {
  source: string;
  cases: Array<{
    id: string;
    model: unknown;
    hardware: { gpu: string; gpus: number; system: string };
    plan: {
      tp: number;
      pp: number;
      dp: number;
      gbs: number;
      mbs: number | null;
      vpp: number | null;
      recompute: Recompute | null;
      sequenceParallel: boolean | null;
      cp?: number;
      ep?: number;
      seq?: number;
      zero?: 0 | 1 | 2 | 3 | null;
    };
    measured: { tflopsPerGpu: number; counting: string };
  }>;
}

export interface ValidationRow {
  id: string;
  source: string;
  gpus: number;
  counting: 'model' | 'hardware';
  measuredTflops: number;
  predictedTflops: number;
  errorPercent: number;
  plan: Plan;
  estimate: Estimate;
}

/** Which preset fabric stands for the cluster of each GPU in the published tables. */
const FABRIC_FOR_GPU: Record<string, string> = {
  'A100-SXM4-80GB': 'dgx-a100-80gb',
  'H100-SXM5-80GB': 'dgx-h100-ib',
};
/** A case whose system text names RoCE ran on Meta's RoCE cluster (Llama 3). */
function fabricFor(gpu: string, system: string): string | undefined {
  if (gpu === 'H100-SXM5-80GB' && /RoCE/.test(system)) return 'hgx-h100-roce';
  return FABRIC_FOR_GPU[gpu];
}

/** Software facts of each source, as the source states them. */
function optionsFor(source: string): EstimateOptions {
  if (/Narayanan|2021/.test(source)) {
    // SC'21 predates FlashAttention (2022): the score matrix is materialized; TP communication is not overlapped,
    // gradients are all-reduced after the backward pass (overlap_grad_reduce came with Megatron-Core, 2023), in
    // FP16 (accumulate_allreduce_grads_in_fp32 defaulted to off for FP16 training).
    return { flashAttention: false, tpCommOverlap: false, dpOverlap: false, gradReduceBytes: 2 };
  }
  // Megatron-Core 2024 table: "data-, tensor- and pipeline-parallel communication overlapped"; Llama 3 (Sec. 3.3.2)
  // overlaps communication with computation likewise.
  return { flashAttention: true, tpCommOverlap: true, dpOverlap: true };
}

export async function runValidation(): Promise<ValidationRow[]> {
  const dir = dataPath('validation');
  const rows: ValidationRow[] = [];
  const tiersCache = new Map<string, SystemTiers>();
  for (const file of readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()) {
    const data = JSON.parse(readFileSync(`${dir}/${file}`, 'utf8')) as CaseFile;
    const options = optionsFor(data.source);
    for (const c of data.cases) {
      const fabricId = fabricFor(c.hardware.gpu, c.hardware.system);
      if (!fabricId) throw new Error(`validation case ${c.id}: no fabric for GPU ${c.hardware.gpu}`);
      let tiers = tiersCache.get(fabricId);
      if (!tiers) {
        tiers = tiersForFabric(await loadFabric(fabricId));
        tiersCache.set(fabricId, tiers);
      }
      const model = parseModel(c.model, `${c.id}.model`);
      const counting = /hardware/i.test(c.measured.counting) ? 'hardware' : 'model';
      let best: { plan: Plan; estimate: Estimate; tflops: number } | undefined;
      for (const plan of candidatePlans(c.plan, c.hardware.gpus)) {
        if (checkPlan(model, plan).length > 0) continue;
        const estimate = estimateWithTiers(model, tiers, plan, options);
        if (!estimate.fits) continue;
        const tflops = counting === 'hardware' ? estimate.hardwareTflopsPerGpu : estimate.modelTflopsPerGpu;
        if (!best || tflops > best.tflops) best = { plan, estimate, tflops };
      }
      if (!best) throw new Error(`validation case ${c.id}: no candidate plan fits in memory`);
      rows.push({
        id: c.id,
        source: data.source.split(':')[0],
        gpus: c.hardware.gpus,
        counting,
        measuredTflops: c.measured.tflopsPerGpu,
        predictedTflops: best.tflops,
        errorPercent: (100 * (best.tflops - c.measured.tflopsPerGpu)) / c.measured.tflopsPerGpu,
        plan: best.plan,
        estimate: best.estimate,
      });
    }
  }
  return rows;
}

function* candidatePlans(p: CaseFile['cases'][number]['plan'], gpus: number): Generator<Plan> {
  const mbsOptions = p.mbs !== null ? [p.mbs] : [1, 2, 4, 8];
  const vppOptions = p.vpp !== null ? [p.vpp] : p.pp > 1 ? [1, 2, 3, 4, 6, 8] : [1];
  const recomputeOptions: Recompute[] = p.recompute !== null ? [p.recompute] : ['none', 'selective', 'full'];
  const spOptions = p.sequenceParallel !== null ? [p.sequenceParallel] : p.tp > 1 ? [false, true] : [false];
  // Megatron's distributed optimizer is ZeRO-1 (absent = 1); `null` means the source does not say (FSDP-like stacks).
  const zeroOptions =
    p.zero === undefined ? [1 as const] : p.zero === null ? [1 as const, 2 as const, 3 as const] : [p.zero];
  for (const mbs of mbsOptions)
    for (const vpp of vppOptions)
      for (const recompute of recomputeOptions)
        for (const sequenceParallel of spOptions)
          for (const zero of zeroOptions)
            yield {
              gpus,
              tp: p.tp,
              pp: p.pp,
              dp: p.dp,
              cp: p.cp ?? 1,
              ep: p.ep ?? 1,
              vpp,
              mbs,
              gbs: p.gbs,
              seq: p.seq,
              recompute,
              sequenceParallel,
              zero,
            };
}

export function formatValidationMarkdown(rows: ValidationRow[]): string {
  const lines = [
    '# Validation: predicted vs published training throughput',
    '',
    'Generated by `npm run validate`. Each case is a published measurement (data/validation/*.json, with its source);',
    'knobs a paper does not state are searched and the best fitting plan is shown. TFLOP/s per GPU are model FLOPs',
    'or hardware FLOPs (with recompute), as the source counts them.',
    '',
    '| case | GPUs | counting | plan (tp/pp/dp/cp, mbs, vpp, recompute, SP, ZeRO) | measured TFLOP/s | predicted TFLOP/s | error |',
    '|---|---:|---|---|---:|---:|---:|',
  ];
  for (const r of rows) {
    const p = r.plan;
    lines.push(
      `| ${r.id} | ${r.gpus} | ${r.counting} | ${p.tp}/${p.pp}/${p.dp}/${p.cp ?? 1}, ${p.mbs}, ${p.vpp}, ${p.recompute}, ${p.sequenceParallel ? 'yes' : 'no'}, ${p.zero ?? 1} | ${r.measuredTflops.toFixed(1)} | ${r.predictedTflops.toFixed(1)} | ${r.errorPercent >= 0 ? '+' : ''}${r.errorPercent.toFixed(1)}% |`,
    );
  }
  const abs = rows.map((r) => Math.abs(r.errorPercent));
  lines.push(
    '',
    `Mean absolute error ${(abs.reduce((a, b) => a + b, 0) / abs.length).toFixed(1)}%, worst ${Math.max(...abs).toFixed(1)}% over ${rows.length} cases.`,
    '',
  );
  return lines.join('\n');
}
