// POST /v1/inference/plans: inference placement on the server's fabric (issue 15). Also the edge loader the CLI
// shares: demand presets/files, the measured RTT tables (data/network) and grid means (data/grid), read once.
import { existsSync, readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import {
  InferenceDemandSchema,
  InferencePlanSchema,
  inferenceIssues,
  type InferencePlanBody,
  type InferencePlanResponse,
} from '../../../contract/inference.js';
import { InputIssuesError, issuesOf } from '../../../core/issues.js';
import { dataPath } from '../../../data-dir.js';
import type { Fabric } from '../../../fabric/types.js';
import { estimateServing } from '../../../perf/serving/index.js';
import {
  parseAzureRtt,
  planInference,
  type GridMean,
  type InferenceDemand,
  type MeasuredRtt,
} from '../../../planner/inference/index.js';
import { loadGridFor } from '../../../sim/grid-files.js';
import { InvalidInputError } from '../../domain.js';
import { resolveModel } from '../../planner.js';
import { isZooModel } from '../../schemas.js';
import { telemetry } from '../../whatif/telemetry.js';
import { doc, jsonBody, principal, type ApiContext } from '../context.js';
import { PlanIssuesError, planOffLoop } from './inference-worker.js';

const RTT_CSV = 'azure_inter_region_rtt_p95_ms_americas_dest.csv';
const COORDS_JSON = 'azure_region_coordinates_carbon-aware-sdk.json';
let measuredCache: MeasuredRtt | undefined;

/** The shipped Azure inter-region p95 RTTs (data/network, CC-BY-4.0) with region coordinates (MIT), parsed once. */
export function loadMeasuredRtt(): MeasuredRtt {
  measuredCache ??= parseAzureRtt(
    readFileSync(dataPath('network', RTT_CSV), 'utf8'),
    JSON.parse(readFileSync(dataPath('network', COORDS_JSON), 'utf8')),
    'Azure inter-region RTT p95 (Microsoft Learn, CC-BY-4.0)',
  );
  return measuredCache;
}

/** 2022 annual means of each grid zone of a fabric's sites (data/grid, via the twin's loader). */
export function gridMeansFor(fabric: Fabric): Record<string, GridMean> {
  const out: Record<string, GridMean> = {};
  for (const [zone, s] of Object.entries(loadGridFor(fabric.sites))) {
    const mean = (a: Float64Array): number => a.reduce((x, y) => x + y, 0) / a.length;
    const source = `${s.priceSource}; ${s.carbonSource} (2022 mean)`;
    out[zone] = { priceUsdPerMWh: mean(s.priceUsdPerMWh), carbonGPerKWh: mean(s.carbonGPerKWh), source };
  }
  return out;
}

const looksLikePath = (s: string): boolean => /[/\\]/.test(s) || /\.(ya?ml|json)$/i.test(s);

/** Checks a demand object (`at` prefixes the issue paths); InputIssuesError when it does not parse. */
export function parseDemand(value: unknown, at = 'demand'): InferenceDemand {
  const r = InferenceDemandSchema.safeParse(value, { reportInput: true });
  if (!r.success) throw new InputIssuesError(inferenceIssues(r.error, at));
  return r.data;
}

/** A demand preset id (data/inference/<id>.yaml) or a YAML/JSON file path. */
export function loadDemand(idOrPath: string): InferenceDemand {
  const file = looksLikePath(idOrPath) ? idOrPath : dataPath('inference', `${idOrPath}.yaml`);
  if (!existsSync(file))
    throw new InputIssuesError([
      {
        path: 'demand',
        message: `no demand file or preset ${JSON.stringify(idOrPath)}`,
        hint: 'pass a YAML/JSON file or a preset id such as azure-conv-americas (data/inference)',
      },
    ]);
  let value: unknown;
  try {
    value = parseYaml(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new InputIssuesError([
      { path: `demand (${file})`, message: (err as Error).message.split('\n')[0], hint: 'fix the YAML/JSON syntax' },
    ]);
  }
  return parseDemand(value, `demand (${file})`);
}

/** The API body -> a placement on `fabric`; InputIssuesError for bad input. */
export function inferencePlanFor(body: InferencePlanBody, fabric: Fabric): InferencePlanResponse {
  const demand = typeof body.demand === 'string' ? loadDemand(body.demand) : body.demand;
  const placement = planInference(
    {
      demand,
      slo: { ttftP99Ms: body.ttftP99Ms, tpotP99Ms: body.tpotP99Ms },
      ...(body.objective ? { objective: body.objective } : {}),
      ...(body.nPlusOne !== undefined ? { nPlusOne: body.nPlusOne } : {}),
      ...(body.sites ? { sites: body.sites } : {}),
      ...(body.gpuHourUsd ? { gpuHourUsd: body.gpuHourUsd } : {}),
      ...(body.gpusAvailable ? { gpusAvailable: body.gpusAvailable } : {}),
    },
    {
      model: resolveModel(body.model),
      fabric,
      serving: estimateServing,
      grid: gridMeansFor(fabric),
      measured: loadMeasuredRtt(),
    },
  );
  return { fabric: fabric.name, demand: demand.name, placement };
}

/** GPUs free for serving by site: the control plane's telemetry (GPUs minus those active jobs hold). */
async function freeGpusBySite(c: ApiContext): Promise<Record<string, number>> {
  const t = await telemetry(c.cp.fabric, c.store, c.now());
  return Object.fromEntries(t.sites.map((s) => [s.id, Math.max(0, s.freeGpus)]));
}

export function registerInferenceRoutes(c: ApiContext): void {
  const { app, cp } = c;
  app.post(
    '/v1/inference/plans',
    doc(
      'Place inference replicas across sites: replicas per site, routing, p99 TTFT/TPOT per region, N+1',
      ['inference'],
      jsonBody(InferencePlanSchema),
    ),
    async (req): Promise<InferencePlanResponse> => {
      principal(req);
      const r = InferencePlanSchema.safeParse(req.body ?? {}, { reportInput: true });
      if (!r.success) throw new InvalidInputError(inferenceIssues(r.error), 400);
      const body = r.data;
      if (typeof body.model === 'string' && !isZooModel(body.model))
        throw new InvalidInputError(
          [
            {
              path: 'model',
              message: `unknown model ${JSON.stringify(body.model)}`,
              hint: 'use a zoo id such as llama3-70b',
            },
          ],
          422,
        );
      // Training jobs' GPUs are not promised to serving unless the caller says what is free.
      const gpusAvailable = body.gpusAvailable ?? (await freeGpusBySite(c));
      try {
        return (await planOffLoop({ ...body, gpusAvailable }, cp.fabric)).response;
      } catch (err) {
        const issues = err instanceof PlanIssuesError ? err.issues : issuesOf(err);
        if (issues) throw new InvalidInputError(issues, 422);
        throw err;
      }
    },
  );
}
