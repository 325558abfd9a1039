// Fair share with tenant quotas and borrowing (Kueue-like cohorts) and dominant-resource fairness.
// - Admission: a tenant runs within its nominal quota; beyond it, it borrows its cohort's unused
//   quota (up to borrowingLimitGpus). With no tenants configured there are no quotas.
// - Order: progressive filling by dominant share, max(GPUs/total GPUs, power/total power cap) / weight,
//   updated as jobs are taken; inside a tenant, priority then submit time.
// - Reclaim: a job within its tenant's nominal quota may preempt preemptible jobs of tenants that
//   are borrowing (above quota), the most over-quota tenant first, latest started first, taking
//   no more than each borrower borrowed.
// - No borrowing while the cohort is owed: a job that would borrow waits while another tenant of its
//   cohort has a queued job within its own quota (Kueue's rule that nominal quota comes before borrowing;
//   kueue.sigs.k8s.io docs, "Cohort" and "Preemption"). Without it, small jobs borrow each gap a reclaim
//   frees and are reclaimed again: churn, not fairness.
import { placeGang } from '../placement.js';
import type { ClusterState, JobRequest, RunningJob, SchedulingPolicy, TenantState } from '../types.js';
import { byPriority, pickVictims } from './common.js';

function tenantsById(state: ClusterState): Map<string, TenantState> {
  const m = new Map<string, TenantState>();
  for (const t of state.tenants) m.set(t.id, t);
  return m;
}

function totalPowerW(state: ClusterState): number {
  let w = 0;
  for (const s of state.sites) w += Number.isFinite(s.powerCapW) ? s.powerCapW : 0;
  return w;
}

export function dominantShare(t: TenantState, state: ClusterState, totalW = totalPowerW(state)): number {
  const g = state.totalGpus > 0 ? t.usedGpus / state.totalGpus : 0;
  const p = totalW > 0 ? t.usedPowerW / totalW : 0;
  return Math.max(g, p) / (t.weight ?? 1);
}

/** Whether a tenant may take `gpus` more under its quota plus what its cohort can lend. */
export function quotaAllows(state: ClusterState, tenantId: string, gpus: number): boolean {
  const ts = state.tenants;
  if (ts.length === 0) return true;
  let t: TenantState | undefined;
  for (const x of ts) if (x.id === tenantId) t = x;
  const used = t?.usedGpus ?? 0;
  const quota = t?.quotaGpus ?? 0;
  if (used + gpus <= quota) return true;
  const borrow = used + gpus - quota;
  if (t?.borrowingLimitGpus !== undefined && borrow > t.borrowingLimitGpus) return false;
  const cohort = t?.cohort ?? 'default';
  let cohortQuota = 0;
  let cohortUsed = 0;
  for (const o of ts) {
    if ((o.cohort ?? 'default') !== cohort) continue;
    cohortQuota += o.quotaGpus;
    cohortUsed += o.usedGpus;
  }
  return cohortUsed + gpus <= cohortQuota;
}

/** Whether `gpus` more for the tenant stays within its nominal quota. */
function withinQuota(t: TenantState | undefined, gpus: number): boolean {
  return t !== undefined && t.usedGpus + gpus <= t.quotaGpus;
}

/** Per cohort, the tenants with a queued job inside their nominal quota. */
function owedByCohort(
  queue: readonly JobRequest[],
  state: ClusterState,
  tenants: Map<string, TenantState>,
): Map<string, Set<string>> {
  const owed = new Map<string, Set<string>>();
  for (const j of queue) {
    const t = tenants.get(j.tenant);
    if (!t || j.gpus > state.totalGpus || !withinQuota(t, j.gpus)) continue;
    const cohort = t.cohort ?? 'default';
    let set = owed.get(cohort);
    if (!set) owed.set(cohort, (set = new Set()));
    set.add(t.id);
  }
  return owed;
}

/** A tenant in the fair-share heap: its queued jobs in priority order and its share as jobs are taken. */
type Entry = { id: string; share: number; list: JobRequest[]; pos: number; weight: number };

// heap order: (share, first submit, name)
function less(a: Entry, b: Entry): boolean {
  return a.share !== b.share
    ? a.share < b.share
    : a.list[a.pos].submitTimeS !== b.list[b.pos].submitTimeS
      ? a.list[a.pos].submitTimeS < b.list[b.pos].submitTimeS
      : a.id < b.id;
}

function siftUp(heap: Entry[], i: number): void {
  while (i > 0) {
    const p = (i - 1) >> 1;
    if (!less(heap[i], heap[p])) break;
    [heap[i], heap[p]] = [heap[p], heap[i]];
    i = p;
  }
}

function siftDown(heap: Entry[], i: number): void {
  for (;;) {
    const l = 2 * i + 1;
    const r = l + 1;
    let m = i;
    if (l < heap.length && less(heap[l], heap[m])) m = l;
    if (r < heap.length && less(heap[r], heap[m])) m = r;
    if (m === i) break;
    [heap[i], heap[m]] = [heap[m], heap[i]];
    i = m;
  }
}

/** Progressive filling: repeatedly take the next job of the tenant with the smallest dominant share. */
function shareOrder(
  queue: readonly JobRequest[],
  state: ClusterState,
  tenants: Map<string, TenantState>,
): JobRequest[] {
  const byTenant = new Map<string, JobRequest[]>();
  for (const j of queue) {
    let l = byTenant.get(j.tenant);
    if (!l) byTenant.set(j.tenant, (l = []));
    l.push(j);
  }
  const totalW = totalPowerW(state);
  const heap: Entry[] = [];
  for (const [id, list] of byTenant) {
    list.sort(byPriority);
    const t = tenants.get(id);
    heap.push({ id, list, pos: 0, share: t ? dominantShare(t, state, totalW) : 0, weight: t?.weight ?? 1 });
    siftUp(heap, heap.length - 1);
  }
  const out: JobRequest[] = [];
  const total = Math.max(1, state.totalGpus);
  while (heap.length > 0) {
    const e = heap[0];
    const j = e.list[e.pos++];
    out.push(j);
    e.share += j.gpus / total / e.weight;
    if (e.pos >= e.list.length) {
      const last = heap.pop()!;
      if (heap.length > 0) {
        heap[0] = last;
        siftDown(heap, 0);
      }
    } else siftDown(heap, 0);
  }
  return out;
}

/** Reclaim: preemptible jobs of borrowing tenants, most over quota first, taking no more than each borrowed. */
function reclaimVictims(job: JobRequest, state: ClusterState, running: readonly RunningJob[]): string[] {
  if (state.tenants.length === 0) return [];
  const tenants = tenantsById(state);
  const t = tenants.get(job.tenant);
  if (!t || t.usedGpus + job.gpus > t.quotaGpus) return [];
  const over = (r: RunningJob): number => {
    const o = tenants.get(r.job.tenant);
    return o ? o.usedGpus - o.quotaGpus : 0;
  };
  const cands = running
    .filter((r) => r.job.preemptible && r.job.tenant !== job.tenant && over(r) > 0)
    .sort((a, b) => over(b) - over(a) || b.startTimeS - a.startTimeS || b.job.submitTimeS - a.job.submitTimeS);
  // only take from a borrower what it borrowed
  const budget = new Map<string, number>();
  const allowed: RunningJob[] = [];
  for (const r of cands) {
    // never push a borrower below its own quota (that would only move the reclaim elsewhere)
    const left = budget.get(r.job.tenant) ?? over(r);
    if (r.job.gpus > left) continue;
    budget.set(r.job.tenant, left - r.job.gpus);
    allowed.push(r);
  }
  return pickVictims(job, state, allowed);
}

export function fairSharePolicy(): SchedulingPolicy {
  /** Per cohort, the tenants with a queued job inside their nominal quota (set by orderQueue each pass). */
  let owed = new Map<string, Set<string>>();
  return {
    name: 'fair-share',
    backfill: true,
    preempts: true,
    orderQueue(queue, state) {
      const tenants = tenantsById(state);
      owed = owedByCohort(queue, state, tenants);
      return shareOrder(queue, state, tenants);
    },
    shouldHold(job, state) {
      if (!quotaAllows(state, job.tenant, job.gpus)) return { reason: 'quota' };
      if (state.tenants.length === 0) return null;
      const t = tenantsById(state).get(job.tenant);
      if (withinQuota(t, job.gpus)) return null;
      const waiting = owed.get(t?.cohort ?? 'default');
      if (waiting && [...waiting].some((id) => id !== job.tenant)) return { reason: 'quota' };
      return null;
    },
    place: (job, state) => placeGang(job, state),
    chooseVictims: (job, state, running) => reclaimVictims(job, state, running),
  };
}
