import { describe, expect, it } from 'vitest';
import {
  checkPlanOptions,
  checkPlanRequest,
  checkSweepOptions,
  PLAN_HINTS,
  PLAN_LIMITS,
  PlanOptionsSchema,
} from './plan-request.js';

function issuesOf(r: { ok: boolean; issues?: { path: string; message: string; hint: string }[] }) {
  expect(r.ok).toBe(false);
  return r.issues ?? [];
}

describe('plan request', () => {
  it('accepts a full request and drops undefined fields', () => {
    const full = {
      gpus: 4096,
      sites: ['atl', 'wi'],
      allow: ['US'],
      tokens: 1e12,
      top: 5,
      strategies: ['diloco'],
      dilocoOuterBits: 4,
      dilocoTokenEfficiency: 0.95,
    };
    expect(checkPlanOptions({ ...full, dilocoStreaming: undefined })).toEqual({ ok: true, value: full });
    expect(checkPlanOptions({}).ok).toBe(true);
  });

  it('names the field, the value and the fix for each bad field', () => {
    const issues = issuesOf(
      checkPlanOptions({ gpus: 0.5, top: PLAN_LIMITS.topMax + 1, dilocoOuterBits: 3, strategies: ['warp'] }),
    );
    const paths = issues.map((i) => i.path).sort();
    expect(paths).toEqual(['dilocoOuterBits', 'gpus', 'strategies[0]', 'top']);
    const gpus = issues.find((i) => i.path === 'gpus')!;
    expect(gpus.hint).toBe(PLAN_HINTS.gpus);
    expect(issues.find((i) => i.path === 'strategies[0]')!.message).toBe('"warp" is not allowed');
  });

  it('enforces the limits at their edges', () => {
    expect(checkPlanOptions({ gpus: PLAN_LIMITS.gpusMax }).ok).toBe(true);
    expect(checkPlanOptions({ gpus: PLAN_LIMITS.gpusMax + 1 }).ok).toBe(false);
    expect(checkPlanOptions({ dilocoTokenEfficiency: 1 }).ok).toBe(true);
    expect(checkPlanOptions({ dilocoTokenEfficiency: 1.01 }).ok).toBe(false);
    expect(checkPlanOptions({ wanLatencyMs: 0 }).ok).toBe(false);
    expect(checkPlanOptions({ allow: ['us-ga'] }).ok).toBe(false);
    expect(checkPlanOptions({ sites: [] }).ok).toBe(false);
  });

  it('refuses a site listed twice and unknown fields', () => {
    const [rep] = issuesOf(checkPlanOptions({ sites: ['atl', 'wi', 'atl'] }));
    expect(rep).toMatchObject({ path: 'sites', message: 'site atl is listed more than once' });
    const [unknown] = issuesOf(checkPlanOptions({ gpu: 8 }));
    expect(unknown.message).toBe('unknown field: gpu');
  });

  it('checks the model and puts a prefix on every path', () => {
    expect(checkPlanRequest({ model: 'llama3-8b', gpus: 8 }).ok).toBe(true);
    expect(checkPlanRequest({ model: { name: 'inline' } }).ok).toBe(true);
    const issues = issuesOf(checkPlanRequest({ model: '../etc/passwd', gpus: -1 }, 'body'));
    expect(issues.map((i) => i.path).sort()).toEqual(['body.gpus', 'body.model']);
  });

  it('checks a sweep grid: two or more sites, bounded lists', () => {
    expect(checkSweepOptions({ wanGbpsList: [100, 1000], wanLatencyMsList: [5] }).ok).toBe(true);
    const tooMany = Array.from({ length: PLAN_LIMITS.sweepCapacitiesMax + 1 }, (_, i) => i + 1);
    expect(issuesOf(checkSweepOptions({ wanGbpsList: tooMany, wanLatencyMsList: [5] }))[0].path).toBe('wanGbpsList');
    expect(issuesOf(checkSweepOptions({ sites: ['atl'], wanGbpsList: [1], wanLatencyMsList: [5] }))[0].path).toBe(
      'sites',
    );
    expect(checkSweepOptions({ wanGbpsList: [1] }).ok).toBe(false);
  });

  it('exports the schema for edges composing their own bodies', () => {
    expect(PlanOptionsSchema.safeParse({ gpus: 8 }).success).toBe(true);
  });
});
