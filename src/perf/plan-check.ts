// Consistency rules of a parallel plan. Each broken rule comes back as {path, message, hint}.
import type { InputIssue } from '../fabric/types.js';
import type { ModelSpec, Plan } from './types.js';

export class PlanInputError extends Error {
  readonly issues: InputIssue[];
  constructor(issues: InputIssue[]) {
    super(`invalid plan: ${issues.map((i) => `${i.path}: ${i.message} (fix: ${i.hint})`).join('; ')}`);
    this.name = 'PlanInputError';
    this.issues = issues;
  }
}

const positiveInt = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v >= 1;

export function checkPlan(model: ModelSpec, plan: Plan): InputIssue[] {
  const issues: InputIssue[] = [];
  const cp = plan.cp ?? 1;
  const ep = plan.ep ?? 1;
  const vpp = plan.vpp ?? 1;
  issues.push(...checkFields(plan, cp, ep, vpp));
  if (issues.length > 0) return issues;
  const product = plan.tp * plan.pp * plan.dp * cp;
  if (product !== plan.gpus) {
    issues.push({
      path: 'gpus',
      message: `tp*pp*dp*cp = ${plan.tp}*${plan.pp}*${plan.dp}*${cp} = ${product}, not gpus = ${plan.gpus}`,
      hint: Number.isInteger(plan.gpus / (plan.tp * plan.pp * cp))
        ? `make tp*pp*dp*cp equal the GPU count, e.g. --dp ${plan.gpus / (plan.tp * plan.pp * cp)}`
        : `make tp*pp*dp*cp equal the GPU count (${plan.gpus} is not divisible by tp*pp*cp = ${plan.tp * plan.pp * cp})`,
    });
  }
  if (model.attentionHeads % plan.tp !== 0) {
    issues.push({
      path: 'tp',
      message: `${model.attentionHeads} attention heads are not divisible by tp = ${plan.tp}`,
      hint: 'choose tp that divides the attention heads',
    });
  }
  if (!model.mla && model.kvHeads % plan.tp !== 0 && plan.tp % model.kvHeads !== 0) {
    issues.push({
      path: 'tp',
      message: `${model.kvHeads} KV heads cannot be split over or replicated across tp = ${plan.tp}`,
      hint: 'choose tp that divides the KV heads or is a multiple of them',
    });
  }
  if (model.layers < plan.pp * vpp) {
    issues.push({
      path: 'pp',
      message: `${model.layers} layers are fewer than pp*vpp = ${plan.pp * vpp} stages`,
      hint: 'lower pp or vpp',
    });
  }
  if (vpp > 1 && plan.pp < 2) {
    issues.push({
      path: 'vpp',
      message: 'interleaving (vpp > 1) needs pipeline parallelism (pp >= 2)',
      hint: 'set vpp 1 or pp >= 2',
    });
  }
  if (plan.gbs % (plan.mbs * plan.dp) !== 0) {
    issues.push({
      path: 'gbs',
      message: `gbs = ${plan.gbs} is not a multiple of mbs*dp = ${plan.mbs * plan.dp}`,
      hint: `use a gbs that is a multiple of ${plan.mbs * plan.dp}`,
    });
  } else if (vpp > 1 && (plan.gbs / (plan.mbs * plan.dp)) % plan.pp !== 0) {
    issues.push({
      path: 'gbs',
      message: 'the interleaved schedule needs the number of micro-batches to be a multiple of pp',
      hint: `use a gbs that is a multiple of ${plan.mbs * plan.dp * plan.pp}`,
    });
  }
  const seq = plan.seq ?? model.seqLength;
  if (seq % cp !== 0)
    issues.push({
      path: 'cp',
      message: `sequence ${seq} is not divisible by cp = ${cp}`,
      hint: 'choose cp that divides the sequence length',
    });
  issues.push(...checkExpertsAndPrecision(model, plan));
  return issues;
}

/** MoE folding (ep, etp), activation offloading and numeric precision. */
function checkExpertsAndPrecision(model: ModelSpec, plan: Plan): InputIssue[] {
  const issues: InputIssue[] = [];
  const cp = plan.cp ?? 1;
  const ep = plan.ep ?? 1;
  if (ep > 1) {
    if (!model.moe)
      issues.push({
        path: 'ep',
        message: `${model.name} is dense: expert parallelism needs an MoE model`,
        hint: 'set ep 1',
      });
    else if (model.moe.experts % ep !== 0)
      issues.push({
        path: 'ep',
        message: `${model.moe.experts} experts are not divisible by ep = ${ep}`,
        hint: 'choose ep that divides the number of experts',
      });
    // MoE parallel folding (Megatron-Core): experts spread over EP x ETP inside the TP x CP x DP ranks of a stage.
    const etp = plan.etp ?? plan.tp;
    if ((plan.tp * plan.dp * cp) % (ep * etp) !== 0)
      issues.push({
        path: 'ep',
        message: `ep*etp = ${ep}*${etp} must divide tp*dp*cp = ${plan.tp * plan.dp * cp} (experts are folded over the tensor-, context- and data-parallel ranks)`,
        hint:
          plan.etp === undefined && (plan.dp * cp * plan.tp) % ep === 0
            ? 'set etp 1 (expert tensor parallelism apart from tp) or choose ep that divides dp*cp'
            : 'choose ep and etp whose product divides tp*dp*cp',
      });
  }
  if (plan.etp !== undefined && !positiveInt(plan.etp))
    issues.push({ path: 'etp', message: `etp must be a whole number >= 1 (got ${plan.etp})`, hint: 'pass --etp N' });
  if (plan.etp !== undefined && model.moe && model.moe.expertFfnHiddenSize % plan.etp !== 0)
    issues.push({
      path: 'etp',
      message: `expert hidden size ${model.moe.expertFfnHiddenSize} is not divisible by etp = ${plan.etp}`,
      hint: 'choose etp that divides the expert hidden size',
    });
  if (
    plan.offloadLayers !== undefined &&
    (!Number.isInteger(plan.offloadLayers) ||
      plan.offloadLayers < 0 ||
      plan.offloadLayers > Math.ceil(model.layers / plan.pp))
  )
    issues.push({
      path: 'offloadLayers',
      message: `offloadLayers must be a whole number from 0 to the layers of one stage (${Math.ceil(model.layers / plan.pp)}), got ${plan.offloadLayers}`,
      hint: 'pass --offload-layers N within one stage',
    });
  if (plan.precision !== undefined && plan.precision !== 'bf16' && plan.precision !== 'fp8')
    issues.push({
      path: 'precision',
      message: `precision must be bf16 or fp8 (got ${String(plan.precision)})`,
      hint: 'pass --precision bf16|fp8',
    });
  return issues;
}

/** Each knob on its own: whole numbers, known stages and modes. */
function checkFields(plan: Plan, cp: number, ep: number, vpp: number): InputIssue[] {
  const issues: InputIssue[] = [];
  for (const [key, value] of Object.entries({
    gpus: plan.gpus,
    tp: plan.tp,
    pp: plan.pp,
    dp: plan.dp,
    cp,
    ep,
    vpp,
    mbs: plan.mbs,
    gbs: plan.gbs,
  })) {
    if (!positiveInt(value))
      issues.push({
        path: key,
        message: `${key} must be a whole number >= 1 (got ${String(value)})`,
        hint: `pass --${key} with a positive integer`,
      });
  }
  if (plan.seq !== undefined && !positiveInt(plan.seq))
    issues.push({
      path: 'seq',
      message: `seq must be a whole number >= 1 (got ${plan.seq})`,
      hint: 'pass --seq with a positive integer',
    });
  if (plan.zero !== undefined && ![0, 1, 2, 3].includes(plan.zero))
    issues.push({
      path: 'zero',
      message: `zero must be 0, 1, 2 or 3 (got ${String(plan.zero)})`,
      hint: 'pass --zero 0|1|2|3',
    });
  if (plan.recompute !== undefined && !['none', 'selective', 'full'].includes(plan.recompute)) {
    issues.push({
      path: 'recompute',
      message: `recompute must be none, selective or full (got ${String(plan.recompute)})`,
      hint: 'pass --recompute none|selective|full',
    });
  }
  return issues;
}
