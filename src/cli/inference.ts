// `superfactory inference <plan|simulate>`: inference placement across sites and edges (plan, here) and the
// inference twin (simulate, src/cli/inference-simulate.ts). Reads files at the edge; the planner is pure.
import { parseArgs } from 'node:util';
import type { Command } from 'commander';
import { InferencePlanSchema, inferenceIssues, type InferencePlanResponse } from '../contract/inference.js';
import { inferencePlanFor } from '../control/api/routes/inference.js';
import { loadFabric } from '../fabric/index.js';
import { planLabel } from '../planner/inference/explain.js';
import { CliInputError, EXIT_BAD_INPUT, inputIssuesOf, printIssues } from './errors.js';

export const INFERENCE_PLAN_USAGE = `usage: superfactory inference plan --fabric F --model M --demand FILE|PRESET
       --ttft-p99-ms MS --tpot-p99-ms MS [--objective cost|carbon] [--no-n-plus-one] [--sites a,b]
       [--gpu-hour-usd SYSTEM=USD,...] [--gpus-available SITE=GPUS,...] [--json]`;

const OPTIONS = {
  fabric: { type: 'string' },
  model: { type: 'string' },
  demand: { type: 'string' },
  'ttft-p99-ms': { type: 'string' },
  'tpot-p99-ms': { type: 'string' },
  objective: { type: 'string' },
  'no-n-plus-one': { type: 'boolean' },
  sites: { type: 'string' },
  'gpu-hour-usd': { type: 'string' },
  'gpus-available': { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean' },
} as const;

/** Flag name of each request field, so an issue names the flag the user typed. */
const FLAG_OF: Record<string, string> = {
  ttftP99Ms: '--ttft-p99-ms',
  tpotP99Ms: '--tpot-p99-ms',
  objective: '--objective',
  model: '--model',
  demand: '--demand',
  sites: '--sites',
  gpuHourUsd: '--gpu-hour-usd',
  gpusAvailable: '--gpus-available',
};

function parseFlags(argv: string[]) {
  try {
    return parseArgs({ args: argv, options: OPTIONS, strict: true, allowPositionals: false }).values;
  } catch (e) {
    throw new CliInputError([
      { path: 'argv', message: (e as Error).message, hint: INFERENCE_PLAN_USAGE.replace(/\s+/g, ' ') },
    ]);
  }
}

/** The flags as the API's request body (numbers left as given so the schema names what is wrong). */
function bodyOf(f: ReturnType<typeof parseFlags>): unknown {
  const missing = (['fabric', 'model', 'demand', 'ttft-p99-ms', 'tpot-p99-ms'] as const).filter((k) => !f[k]);
  if (missing.length > 0)
    throw new CliInputError(
      missing.map((k) => ({ path: `--${k}`, message: 'missing', hint: INFERENCE_PLAN_USAGE.replace(/\s+/g, ' ') })),
    );
  const number = (s: string): number | string => (s.trim() !== '' && Number.isFinite(Number(s)) ? Number(s) : s);
  const pairs = (v: string | undefined) =>
    v
      ?.split(',')
      .filter(Boolean)
      .map((kv) => kv.split('='));
  const prices = pairs(f['gpu-hour-usd']);
  const free = pairs(f['gpus-available']);
  return {
    model: f.model,
    demand: f.demand,
    ttftP99Ms: number(f['ttft-p99-ms']!),
    tpotP99Ms: number(f['tpot-p99-ms']!),
    ...(f.objective !== undefined ? { objective: f.objective } : {}),
    ...(f['no-n-plus-one'] ? { nPlusOne: false } : {}),
    ...(f.sites !== undefined ? { sites: f.sites.split(',').filter(Boolean) } : {}),
    ...(prices ? { gpuHourUsd: Object.fromEntries(prices.map(([k, v]) => [k, number(v ?? '')])) } : {}),
    ...(free ? { gpusAvailable: Object.fromEntries(free.map(([k, v]) => [k, number(v ?? '')])) } : {}),
  };
}

const pad = (rows: string[][]): string => {
  const w = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  return rows.map((r) => r.map((c, i) => (i === 0 ? c.padEnd(w[i]) : c.padStart(w[i]))).join('  ')).join('\n');
};

/** The placement as tables and the explanation. */
export function placementText(r: InferencePlanResponse): string {
  const p = r.placement;
  const sites = [['site', 'system', 'replicas', 'spare', 'plan', 'GPUs', 'req/s', 'util', '$/h', 'kgCO2e/h']];
  for (const s of p.replicas)
    sites.push([
      s.siteId,
      s.systemId,
      String(s.count),
      String(s.count - s.primaryCount),
      planLabel(s.plan),
      String(s.count * s.gpusPerReplica),
      s.requestsPerSecond.toFixed(1),
      `${Math.round(s.utilization * 100)}%`,
      s.costUsdPerHour.toFixed(2),
      s.emissionsKgCO2ePerHour.toFixed(1),
    ]);
  const regions = [['region', 'served by', 'RTT ms', 'p99 TTFT ms', 'p99 TPOT ms', 'SLO']];
  for (const l of p.latency) {
    const by = p.routing.filter((x) => x.regionId === l.regionId);
    const basis = p.latencies.filter((x) => by.some((b) => b.siteId === x.siteId && x.regionId === l.regionId));
    regions.push([
      l.regionId,
      by.map((b) => `${b.siteId} ${Math.round(b.share * 100)}%`).join(', '),
      `${l.rttMs.toFixed(1)} (${[...new Set(basis.map((b) => b.basis))].join('/')})`,
      l.ttftP99Ms.toFixed(1),
      l.tpotP99Ms.toFixed(1),
      l.meetsSlo ? 'met' : 'MISSED',
    ]);
  }
  const lost = p.failover.map(
    (f) =>
      `  lose ${f.lostSiteId}: ${f.meetsSlo ? 'SLO met' : 'SLO MISSED'}, worst p99 TTFT ` +
      `${Math.max(...f.latency.map((x) => x.ttftP99Ms)).toFixed(1)} ms, headroom ${Math.round(f.minHeadroom * 100)}%`,
  );
  return [
    `Inference placement: ${p.modelId} on ${r.fabric}, demand ${r.demand}; SLO p99 TTFT ${p.slo.ttftP99Ms} ms, ` +
      `p99 TPOT ${p.slo.tpotP99Ms} ms; objective ${p.objective}${p.nPlusOne ? '; N+1' : ''}`,
    '',
    pad(sites),
    '',
    pad(regions),
    ...(lost.length > 0 ? ['', 'N+1 (each site lost in turn):', ...lost] : []),
    '',
    'Why:',
    ...p.explanation.map((e) => `  - ${e}`),
    '',
    `Assumptions: ${p.assumptions.join('; ')}.`,
    '',
  ].join('\n');
}

export async function runInferencePlan(argv: string[]): Promise<number> {
  const f = parseFlags(argv);
  if (f.help) {
    process.stdout.write(INFERENCE_PLAN_USAGE + '\n');
    return 0;
  }
  const parsed = InferencePlanSchema.safeParse(bodyOf(f), { reportInput: true });
  if (!parsed.success)
    throw new CliInputError(
      inferenceIssues(parsed.error).map((i) => ({ ...i, path: FLAG_OF[i.path.split(/[.[]/)[0]] ?? i.path })),
    );
  const fabric = await loadFabric(f.fabric!);
  const result = inferencePlanFor(parsed.data, fabric);
  process.stdout.write(f.json ? JSON.stringify(result, null, 2) + '\n' : placementText(result));
  return 0;
}

/** `inference plan ...` or `inference simulate ...`: argv after the word `inference`. */
export async function runInference(argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  try {
    if (sub === 'plan') return await runInferencePlan(rest);
    if (sub === 'simulate') {
      const { runInferenceSimulate } = await import('./inference-simulate.js');
      return await runInferenceSimulate(rest);
    }
    throw new CliInputError([
      {
        path: 'inference',
        message: sub === undefined ? 'missing subcommand' : `unknown subcommand ${JSON.stringify(sub)}`,
        hint: 'use `superfactory inference plan ...` or `superfactory inference simulate ...`',
      },
    ]);
  } catch (e) {
    const issues = inputIssuesOf(e);
    if (!issues) throw e;
    printIssues(issues);
    return EXIT_BAD_INPUT;
  }
}

/** Registers `inference` on the program; its flags are parsed here (commander passes them through). */
export function registerInferenceCommands(program: Command): void {
  program
    .command('inference')
    .description('place inference replicas across sites (plan) and replay a request trace through them (simulate)')
    .argument('[subcommand]', 'plan or simulate')
    .argument('[args...]')
    .allowUnknownOption()
    .allowExcessArguments()
    .helpOption(false)
    .action(async (sub: string | undefined, args: string[]) => {
      process.exitCode = await runInference(sub === undefined ? [] : [sub, ...args]);
    });
}
