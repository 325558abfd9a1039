// `superfactory estimate`: one plan, one model, one pod of a fabric.
import { loadFabric } from '../fabric/load.js';
import { renderTable } from '../fabric/summary.js';
import { estimate, loadModel, type Estimate, type Plan } from '../perf/index.js';
import { CliInputError } from './errors.js';

export interface EstimateCliOptions {
  model: string;
  fabric: string;
  gpus: string;
  tp: string;
  pp: string;
  dp: string;
  cp?: string;
  ep?: string;
  etp?: string;
  vpp?: string;
  mbs: string;
  gbs: string;
  seq?: string;
  recompute?: string;
  sequenceParallel?: boolean;
  zero?: string;
  precision?: string;
  json?: boolean;
}

export function parseIntFlag(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  // Decimal digits only (1024, or 1e3): not "", " ", "0x10"; and no larger than integers stay exact.
  const n = /^\s*\d+(\.\d+)?(e\+?\d+)?\s*$/i.test(value) ? Number(value) : NaN;
  if (!Number.isInteger(n) || n < 0 || n > Number.MAX_SAFE_INTEGER) {
    throw new CliInputError([
      {
        path: name,
        message: `--${name} must be a whole number (got "${value}")`,
        hint: `pass --${name} N with N a positive integer`,
      },
    ]);
  }
  return n;
}

/** The options estimate cannot do without, in --help order. */
const REQUIRED = ['model', 'gpus', 'tp', 'pp', 'dp', 'mbs', 'gbs'] as const;

/** Every missing required option and an unknown model, together, before any other work. */
function checkRequired(o: Partial<EstimateCliOptions>): void {
  const issues = REQUIRED.filter((k) => o[k] === undefined).map((k) => ({
    path: k,
    message: `required option --${k} not specified`,
    hint: `pass --${k}${k === 'model' ? ' ID (e.g. llama3-8b)' : ' N'}; see superfactory estimate --help`,
  }));
  if (o.model !== undefined) {
    try {
      loadModel(o.model);
    } catch (error) {
      const modelIssues = (error as { issues?: typeof issues }).issues;
      if (!Array.isArray(modelIssues)) throw error;
      issues.unshift(...modelIssues);
    }
  }
  if (issues.length) throw new CliInputError(issues);
}

export async function runEstimate(o: EstimateCliOptions): Promise<number> {
  checkRequired(o);
  const model = loadModel(o.model);
  const fabric = await loadFabric(o.fabric);
  const recompute = o.recompute ?? 'none';
  if (!['none', 'selective', 'full'].includes(recompute)) {
    throw new CliInputError([
      { path: 'recompute', message: `unknown recompute "${recompute}"`, hint: 'use --recompute none|selective|full' },
    ]);
  }
  const zero = parseIntFlag('zero', o.zero) ?? 1;
  const precision = o.precision ?? 'bf16';
  if (precision !== 'bf16' && precision !== 'fp8') {
    throw new CliInputError([
      { path: 'precision', message: `unknown precision "${precision}"`, hint: 'use --precision bf16|fp8' },
    ]);
  }
  const plan: Plan = {
    gpus: parseIntFlag('gpus', o.gpus)!,
    tp: parseIntFlag('tp', o.tp)!,
    pp: parseIntFlag('pp', o.pp)!,
    dp: parseIntFlag('dp', o.dp)!,
    cp: parseIntFlag('cp', o.cp),
    ep: parseIntFlag('ep', o.ep),
    etp: parseIntFlag('etp', o.etp),
    vpp: parseIntFlag('vpp', o.vpp),
    mbs: parseIntFlag('mbs', o.mbs)!,
    gbs: parseIntFlag('gbs', o.gbs)!,
    seq: parseIntFlag('seq', o.seq),
    recompute: recompute as Plan['recompute'],
    sequenceParallel: o.sequenceParallel ?? false,
    zero: zero as Plan['zero'],
    precision,
  };
  // FP8 runs on Transformer Engine, whose fused attention is the Hopper/Blackwell-native kind (as the planner assumes).
  const result = estimate({ model, fabric, plan, options: precision === 'fp8' ? { attentionKernel: 'flash3' } : {} });
  if (o.json) {
    process.stdout.write(`${JSON.stringify(result)}\n`);
  } else {
    process.stdout.write(`${formatEstimate(model.name, fabric.name, plan, result)}\n`);
  }
  return 0;
}

const f = (x: number, digits = 3) => x.toFixed(digits);

export function formatEstimate(modelName: string, fabricName: string, plan: Plan, e: Estimate): string {
  const b = e.breakdown;
  const head = `${modelName} on ${fabricName}: ${plan.gpus} GPUs, tp ${plan.tp} pp ${plan.pp} dp ${plan.dp} cp ${plan.cp ?? 1} ep ${plan.ep ?? 1} vpp ${plan.vpp ?? 1}, mbs ${plan.mbs} gbs ${plan.gbs}, recompute ${plan.recompute ?? 'none'}${plan.sequenceParallel ? ', sequence parallel' : ''}, ZeRO ${plan.zero ?? 1}${plan.precision === 'fp8' ? ', FP8' : ''}`;
  const summary = renderTable(
    ['metric', 'value'],
    [
      ['step time (s)', f(e.stepTimeSeconds)],
      ['tokens/s', Math.round(e.tokensPerSecond).toLocaleString('en-US')],
      ['model TFLOP/s per GPU', f(e.modelTflopsPerGpu, 1)],
      ['hardware TFLOP/s per GPU', f(e.hardwareTflopsPerGpu, 1)],
      ['MFU', `${(100 * e.mfu).toFixed(1)}%`],
      ['HFU', `${(100 * e.hfu).toFixed(1)}%`],
      ['memory per GPU (GiB)', `${f(e.memoryGiBPerGpu, 1)} of ${f(b.hbmGiB, 1)}`],
      ['fits', e.fits ? 'yes' : 'NO'],
      ['micro-batches', String(b.microBatches)],
    ],
    new Set([1]),
  );
  const parts: Array<[string, number]> = [
    ['compute', b.computeSeconds],
    ['TP communication', b.tpCommSeconds],
    ['CP communication', b.cpCommSeconds],
    ['EP all-to-all', b.epCommSeconds],
    ['PP send/recv', b.ppCommSeconds],
    ['pipeline bubble', b.pipelineBubbleSeconds],
    ['DP communication (exposed)', b.dpCommExposedSeconds],
    ['WAN communication (exposed)', b.wanCommExposedSeconds],
    ['optimizer step', b.optimizerSeconds],
  ];
  const time = renderTable(
    ['step breakdown', 'seconds', 'share'],
    parts.map(([name, s]) => [name, f(s), `${((100 * s) / e.stepTimeSeconds).toFixed(1)}%`]),
    new Set([1, 2]),
  );
  const m = b.memory;
  const memory = renderTable(
    ['memory per GPU', 'GiB'],
    [
      ['weights', f(m.weightsGiB, 2)],
      ['gradients', f(m.gradientsGiB, 2)],
      ['optimizer states', f(m.optimizerGiB, 2)],
      ['activations', f(m.activationsGiB, 2)],
      ['reserve', f(m.reserveGiB, 2)],
    ],
    new Set([1]),
  );
  return [head, '', summary, '', time, '', memory, '', `bottleneck: ${e.bottleneck}`].join('\n');
}
