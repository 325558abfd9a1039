// The checks of a job submission that need no store or executor (control-plane.ts runs them): the model id,
// sovereignty against the tenant's list, the spec built from the body, and the GPU count against sites and quota.
import { jurisdictionAllowed, jurisdictionsOutside } from '../core/jurisdiction.js';
import type { Fabric } from '../fabric/types.js';
import type { InputIssue, JobPlanOptions, JobSpec, Tenant } from './domain.js';
import type { SubmitJobBody } from './schemas.js';
import { isZooModel } from './schemas.js';

export function issue(path: string, message: string, hint: string): InputIssue {
  return { path, message, hint };
}

/** The model id and the job's jurisdictions; absent, the tenant's list applies. */
export function requestIssues(body: SubmitJobBody, tenant: Tenant): { allowed: string[] | null; issues: InputIssue[] } {
  const issues: InputIssue[] = [];
  if (typeof body.model === 'string' && !isZooModel(body.model)) {
    issues.push(
      issue(
        'model',
        `unknown model ${JSON.stringify(body.model)}`,
        'use a zoo id such as llama3-8b, llama3-70b, llama3-405b, gpt3-175b, mixtral-8x7b, deepseek-v3, or an inline model',
      ),
    );
  }
  // lending suspends a job at its next checkpoint: one that does not checkpoint would lose its work
  if (body.lendable === true && body.checkpointable === false)
    issues.push(
      issue(
        'lendable',
        'a job that does not checkpoint cannot lend its GPUs to services',
        'drop lendable, or make the job checkpointable',
      ),
    );
  // Sovereignty: the job's list must stay inside the tenant's; absent, the tenant's list applies.
  let allowed = body.allowedJurisdictions ?? tenant.allowedJurisdictions ?? null;
  if (body.allowedJurisdictions && tenant.allowedJurisdictions) {
    const outside = jurisdictionsOutside(body.allowedJurisdictions, tenant.allowedJurisdictions);
    if (outside.length > 0) {
      issues.push(
        issue(
          'allowedJurisdictions',
          `tenant ${tenant.id} may not run in ${outside.join(', ')}`,
          `allowed for this tenant: ${tenant.allowedJurisdictions.join(', ')}`,
        ),
      );
    }
    allowed = body.allowedJurisdictions;
  }
  return { allowed, issues };
}

/** Sites named on submission that the fabric does not have: one issue naming the field and the fabric's sites. */
export function unknownSiteIssues(sites: readonly string[] | undefined, fabric: Fabric): InputIssue[] {
  const unknown = (sites ?? []).filter((id) => !fabric.sites.some((s) => s.id === id));
  if (unknown.length === 0) return [];
  return [
    issue(
      'sites',
      `unknown site${unknown.length > 1 ? 's' : ''} ${unknown.join(', ')}`,
      `use sites of ${fabric.name}: ${fabric.sites.map((s) => s.id).join(', ')}`,
    ),
  ];
}

/** The stored spec, with defaults filled in; planOptions only when the body sets one. */
export function jobSpecFromBody(body: SubmitJobBody, allowed: string[] | null): JobSpec {
  const spec: JobSpec = {
    model: body.model as JobSpec['model'],
    gpus: body.gpus ?? null,
    tokens: body.tokens ?? null,
    priority: body.priority ?? 0,
    allowedJurisdictions: allowed,
    checkpointable: body.checkpointable ?? true,
    preemptible: body.preemptible ?? true,
    deadline: body.deadline ? Date.parse(body.deadline) : null,
    command: body.command ?? null,
    executor: body.executor ?? null,
    env: body.env ?? {},
  };
  if (body.sites) spec.sites = body.sites;
  if (body.datasets) spec.datasets = body.datasets;
  if (body.lendable !== undefined) spec.lendable = body.lendable;
  const planOptions: JobPlanOptions = {
    ...(body.strategies ? { strategies: body.strategies } : {}),
    ...(body.dilocoInnerSteps !== undefined ? { dilocoInnerSteps: body.dilocoInnerSteps } : {}),
    ...(body.dilocoOuterBits !== undefined ? { dilocoOuterBits: body.dilocoOuterBits } : {}),
    ...(body.dilocoStreaming !== undefined ? { dilocoStreaming: body.dilocoStreaming } : {}),
  };
  if (Object.keys(planOptions).length > 0) spec.planOptions = planOptions;
  return spec;
}

/** No site can run the job: say why, naming the field to change. */
export function noSiteIssue(spec: JobSpec, fabric: Fabric, describeSites: string): InputIssue {
  const why = [
    spec.executor ? `executor ${spec.executor}` : null,
    spec.sites ? `sites ${spec.sites.join(', ')}` : null,
    spec.allowedJurisdictions ? `jurisdictions ${spec.allowedJurisdictions.join(', ')}` : null,
    spec.command ? null : 'no command (local and Slurm sites need one)',
  ]
    .filter(Boolean)
    .join('; ');
  // The field to name: the jurisdictions when no site of the fabric lies in them, whatever the executors.
  const noSiteInJurisdictions =
    spec.allowedJurisdictions !== null &&
    !fabric.sites.some((s) => jurisdictionAllowed(spec.allowedJurisdictions, s.jurisdiction));
  return issue(
    spec.command || noSiteInJurisdictions ? 'allowedJurisdictions' : 'command',
    `no site can run this job (${why})`,
    `sites: ${describeSites}`,
  );
}

/** The GPU count against the eligible sites and the tenant's quota; without one, the planner must choose it. */
export function gpuIssues(
  spec: JobSpec,
  tenant: Tenant,
  fabric: Fabric,
  sites: readonly string[],
  hasPlanner: boolean,
): InputIssue[] {
  const issues: InputIssue[] = [];
  if (spec.gpus !== null) {
    const cap = fabric.sites.filter((s) => sites.includes(s.id)).reduce((a, s) => a + s.gpus, 0);
    if (sites.length > 0 && spec.gpus > cap)
      issues.push(
        issue(
          'gpus',
          `${spec.gpus} GPUs exceed the ${cap} GPUs of the sites this job may use`,
          `ask for at most ${cap}`,
        ),
      );
    if (tenant.quotaGpus !== null && spec.gpus > tenant.quotaGpus) {
      issues.push(
        issue(
          'gpus',
          `${spec.gpus} GPUs exceed tenant ${tenant.id}'s quota of ${tenant.quotaGpus}`,
          `ask for at most ${tenant.quotaGpus} GPUs or have an admin raise the quota`,
        ),
      );
    }
  } else if (!hasPlanner) {
    issues.push(
      issue('gpus', 'the planner is not available to choose a GPU count from tokens', 'give gpus explicitly'),
    );
  }
  return issues;
}
