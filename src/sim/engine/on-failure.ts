// Sampled hardware failures (GPU, node, rack / NVLink domain), their repairs, and whole-site failures.
import { repairGpus, setFailedGpus } from '../../sched/state.js';
import type { SimEvent } from '../event-queue.js';
import { accumulate } from './accounting.js';
import { domainKey, EV, type DomainRef, type SimContext } from './context.js';
import { interrupt, markDirty } from './lifecycle.js';
import { runIndexOf } from './run.js';

/** The domain holding global GPU index g (binary search over domain starts). */
function findDomain(ctx: SimContext, g: number): DomainRef {
  const domains = ctx.domains;
  let lo = 0;
  let hi = domains.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (domains[mid].start <= g) lo = mid;
    else hi = mid - 1;
  }
  return domains[lo];
}

/** GPUs [a, b) of a domain fail: the jobs laid out over them are interrupted, the rest go to repair. */
function failGpus(ctx: SimContext, t: number, d: DomainRef, a: number, b: number, repairS: number): void {
  const k = domainKey(ctx, d.site.id, d.podId, d.domain);
  const occ = ctx.occupancy.get(k) ?? [];
  // layout: jobs (in arrival order), then failed GPUs, then free
  let cum = 0;
  const hit: number[] = [];
  for (const i of occ) {
    let g = 0;
    for (const p of ctx.runs[i].alloc!.parts)
      if (p.siteId === d.site.id && p.podId === d.podId && p.domain === d.domain) g += p.gpus;
    if (cum < b && cum + g > a) hit.push(i);
    cum += g;
  }
  const failedBefore = ctx.failedInDomain.get(k) ?? 0;
  const overlapFailed = Math.max(0, Math.min(b, cum + failedBefore) - Math.max(a, cum));
  const newFailed = b - a - overlapFailed;
  for (const i of hit) interrupt(ctx, i, t, 'failure', true);
  if (newFailed > 0) {
    accumulate(ctx, t);
    // ASSUMPTION: failed GPUs keep drawing idle power (still racked)
    const taken = setFailedGpus(ctx.state, d.site.id, d.podId, d.domain, newFailed);
    if (taken > 0) {
      ctx.failedInDomain.set(k, failedBefore + taken);
      ctx.ev.push(t + repairS, EV.Repair, k, taken); // k is d's index in ctx.domains
    }
  }
  if (hit.length || newFailed) markDirty(ctx, t);
}

export function onFailure(ctx: SimContext, _e: SimEvent): void {
  if (ctx.done >= ctx.total) return;
  const f = ctx.scenario.failures;
  const g = ctx.failRng.int(ctx.gpuCount);
  const kindIdx = ctx.failRng.weighted([f.mix.gpu, f.mix.node, f.mix.rack]);
  ctx.ev.push(ctx.now + ctx.failRng.exp(1 / ctx.failRatePerS), EV.Failure);
  const d = findDomain(ctx, g);
  if (ctx.siteDown[d.siteIdx]) return;
  ctx.failures++;
  const off = g - d.start;
  const npn = ctx.fabricSite.get(d.site.id)!.pods.find((p) => p.id === d.podId)!.system.gpusPerNode;
  if (kindIdx === 0) {
    ctx.failuresByKind.gpu++;
    failGpus(ctx, ctx.now, d, off, off + 1, f.repairHours.gpu * 3600);
  } else if (kindIdx === 1) {
    ctx.failuresByKind.node++;
    const a = Math.floor(off / npn) * npn;
    failGpus(ctx, ctx.now, d, a, Math.min(d.cap, a + npn), f.repairHours.node * 3600);
  } else {
    ctx.failuresByKind.rack++;
    failGpus(ctx, ctx.now, d, 0, d.cap, f.repairHours.rack * 3600);
  }
}

export function onRepair(ctx: SimContext, e: SimEvent): void {
  const d = ctx.domains[e.a];
  const k = domainKey(ctx, d.site.id, d.podId, d.domain);
  accumulate(ctx, ctx.now);
  repairGpus(ctx.state, d.site.id, d.podId, d.domain, e.b);
  ctx.failedInDomain.set(k, (ctx.failedInDomain.get(k) ?? 0) - e.b);
  markDirty(ctx, ctx.now);
}

/** Interrupt every job with a part on the site (in job order, for determinism). */
export function interruptSite(ctx: SimContext, siteId: string, t: number): void {
  const victims: number[] = [];
  for (const rj of ctx.running) {
    if (rj.allocation.sites.includes(siteId)) victims.push(runIndexOf(rj.job));
  }
  victims.sort((x, y) => x - y);
  for (const i of victims) interrupt(ctx, i, t, 'failure', true);
}

export function onSiteFailure(ctx: SimContext, _e: SimEvent): void {
  if (ctx.done >= ctx.total) return;
  const idx = ctx.siteFailRng.int(ctx.state.sites.length);
  ctx.ev.push(ctx.now + ctx.siteFailRng.exp(1 / ctx.siteFailPerS), EV.SiteFailure);
  if (ctx.siteDown[idx]) return;
  ctx.failures++;
  ctx.failuresByKind.site++;
  accumulate(ctx, ctx.now);
  const s = ctx.state.sites[idx];
  s.status = 'down';
  ctx.siteDown[idx] = true;
  interruptSite(ctx, s.id, ctx.now);
  ctx.ev.push(ctx.now + ctx.scenario.failures.siteRepairHours * 3600, EV.SiteRepair, idx);
  markDirty(ctx, ctx.now);
}

export function onSiteRepair(ctx: SimContext, e: SimEvent): void {
  accumulate(ctx, ctx.now);
  ctx.state.sites[e.a].status = 'up';
  ctx.siteDown[e.a] = false;
  markDirty(ctx, ctx.now);
}
