// Routes the web dashboard needs beyond the core API: who the token is, the catalog of models and
// fabrics, live telemetry (power drawn, grid carbon intensity now, WAN use), the plan explorer on any
// preset or edited fabric, the WAN sweep, and what-if runs of the digital twin. Every route is under
// /v1/, so the server's bearer-token hook authenticates it; all are read-only, open to every role.
// The clock is injected (`now`): no wall-clock reads here.
import { readFileSync } from 'node:fs';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { ExplorePlansSchema, ExploreSweepSchema, FabricIdParam, WhatIfSchema } from '../../contract/dashboard.js';
import type {
  Catalog,
  ExplorePlansResponse,
  Me,
  SweepView,
  Telemetry,
  WhatIfResult,
} from '../../contract/responses.js';
import { STRATEGIES } from '../../core/strategies.js';
import { dataPath } from '../../data-dir.js';
import { listFabricPresets } from '../../fabric/index.js';
import type { Fabric } from '../../fabric/types.js';
import { listModelIds, loadModel } from '../../perf/models.js';
import { planOnFabric } from '../../planner/index.js';
import { POLICY_NAMES } from '../../sched/index.js';
import { principal } from '../api/context.js';
import { jsonSchema } from '../api/openapi.js';
import { isOperator } from '../auth.js';
import { parse } from '../schemas.js';
import type { MeasuredView } from '../../contract/responses.js';
import type { Job } from '../domain.js';
import type { Store } from '../store/types.js';
import { bad, fabricFor, modelFor, onceCache, plannerIssues } from './inputs.js';
import { checkLightBound } from './light-bound.js';
import { sweepRequest } from './sweep.js';
import { telemetry } from './telemetry.js';
import { TaskRunner } from './worker.js';

export interface WhatIfDeps {
  /** The fabric the control plane runs (the default for every route). */
  fabric: Fabric;
  store: Store;
  /** The clock in ms. */
  now: () => number;
  /** What a running job measured (its trainer's reports), for the measured WAN rate per link. */
  measured?: (job: Job) => Promise<MeasuredView | null>;
}

const doc = (summary: string, extra: Record<string, unknown> = {}) => ({
  schema: { summary, tags: ['dashboard'], ...extra },
});
const jsonBody = (schema: z.ZodType) => ({ body: jsonSchema(schema, 'input') });

function catalog(serverFabric: string): Catalog {
  const models = listModelIds().map((id) => {
    try {
      return { id, name: loadModel(id).name };
    } catch {
      return { id, name: id }; // a model file that does not load still shows by id (GET /v1/explore/plans names the error)
    }
  });
  return { models, fabrics: listFabricPresets(), serverFabric, policies: POLICY_NAMES, strategies: STRATEGIES };
}

/** What the computing routes share: result caches (one computation per distinct body) and the worker. */
interface Compute {
  deps: WhatIfDeps;
  plans: ReturnType<typeof onceCache<ExplorePlansResponse>>;
  sweeps: ReturnType<typeof onceCache<SweepView>>;
  whatifs: ReturnType<typeof onceCache<WhatIfResult>>;
  tasks: TaskRunner;
}

async function explorePlans(k: Compute, req: FastifyRequest): Promise<ExplorePlansResponse> {
  principal(req);
  const b = parse(ExplorePlansSchema, req.body ?? {});
  return k.plans(JSON.stringify(b), async () => {
    const model = modelFor(b.model);
    const fabric = await fabricFor(k.deps.fabric, b);
    checkLightBound(fabric, b);
    const { model: _m, fabric: _f, fabricText: _t, ...request } = b;
    try {
      const r = planOnFabric(model, fabric, { ...request, top: b.top ?? 5 }, k.deps.now);
      return { ...r, fabricSites: fabric.sites.map((s) => ({ id: s.id, name: s.name, gpus: s.gpus })) };
    } catch (err) {
      throw plannerIssues(err);
    }
  });
}

async function exploreSweep(k: Compute, req: FastifyRequest): Promise<SweepView> {
  principal(req);
  const b = parse(ExploreSweepSchema, req.body ?? {});
  return k.sweeps(JSON.stringify(b), async () => {
    const model = modelFor(b.model);
    const fabric = await fabricFor(k.deps.fabric, b);
    const r = await k.tasks.run({ kind: 'sweep', model, fabric, request: sweepRequest(b) }, k.deps.now);
    return { ...r.value, searchSeconds: r.ms / 1000 };
  });
}

async function whatIf(k: Compute, req: FastifyRequest): Promise<WhatIfResult> {
  principal(req);
  const b = parse(WhatIfSchema, req.body ?? {});
  return k.whatifs(JSON.stringify(b), async () => {
    const fabric = await fabricFor(k.deps.fabric, b);
    const r = await k.tasks.run({ kind: 'whatif', fabric, body: b }, k.deps.now);
    return { ...r.value, wallMs: Math.round(r.ms), ...(r.isolated ? { isolated: true } : {}) };
  });
}

function fabricSource(req: FastifyRequest, reply: FastifyReply): string {
  principal(req);
  const id = parse(FabricIdParam, req.params).id;
  if (!listFabricPresets().includes(id))
    throw bad('id', `unknown fabric preset ${JSON.stringify(id)}`, `use one of ${listFabricPresets().join(', ')}`);
  reply.type('text/yaml; charset=utf-8');
  return readFileSync(dataPath('fabrics', `${id}.yaml`), 'utf8');
}

/** whoami, catalog, a preset's YAML, telemetry: cheap reads. */
function registerInfoRoutes(app: FastifyInstance, deps: WhatIfDeps): void {
  app.get('/v1/whoami', doc('The signed-in token: tenant and role'), async (req): Promise<Me> => {
    const p = principal(req);
    return { tenant: p.tenantId, role: p.role, tokenId: p.tokenId, operator: isOperator(p) };
  });
  app.get('/v1/catalog', doc('Model zoo ids, fabric presets and scheduling policies (for pickers)'), async (req) => {
    principal(req);
    return catalog(deps.fabric.name);
  });
  app.get(
    '/v1/explore/fabrics/:id',
    doc('The YAML source of a fabric preset (for editing in the plan explorer)'),
    async (req, reply) => fabricSource(req, reply),
  );
  app.get(
    '/v1/telemetry',
    doc('Live per-site power and grid carbon intensity, per-link WAN use'),
    async (req): Promise<Telemetry> => {
      principal(req);
      return telemetry(
        deps.fabric,
        deps.store,
        deps.now(),
        (zone, err) => req.log.debug({ zone, err: (err as Error).message }, 'telemetry: no grid series for this zone'),
        deps.measured,
      );
    },
  );
}

export function registerWhatIfRoutes(app: FastifyInstance, deps: WhatIfDeps): void {
  const k: Compute = {
    deps,
    plans: onceCache<ExplorePlansResponse>(32),
    sweeps: onceCache<SweepView>(16),
    whatifs: onceCache<WhatIfResult>(16),
    tasks: new TaskRunner(),
  };
  registerInfoRoutes(app, deps);
  app.post(
    '/v1/explore/plans',
    doc(
      'Plan explorer: ranked plans with step-time breakdowns on any preset or edited fabric',
      jsonBody(ExplorePlansSchema),
    ),
    (req) => explorePlans(k, req),
  );
  app.post(
    '/v1/explore/sweep',
    doc('WAN sweep: best cross-site throughput over a grid of WAN capacity and latency', jsonBody(ExploreSweepSchema)),
    (req) => exploreSweep(k, req),
  );
  app.post(
    '/v1/whatif',
    doc(
      'Run the digital twin: a site down for N hours against a baseline, or two policies on one trace',
      jsonBody(WhatIfSchema),
    ),
    (req) => whatIf(k, req),
  );
}
