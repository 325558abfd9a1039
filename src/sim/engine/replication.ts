// Checkpoint replication in the twin, the same transfers as the live control plane's
// (src/control/scheduling/gang-replication.ts): a cross-site gang's checkpoint counts for resume only once it is
// whole on every site, i.e. after each site has received the other sites' shards over the WAN. A site sends its
// 1/k of the checkpoint to each of the k-1 others, the links in parallel, so the copy takes
// (checkpoint bytes / k) / (share of the slowest link between the gang's sites). An interruption keeps the work of
// the last checkpoint whose copy had finished. Pure: the context's fabric, WAN factors and speed model.
import { checkpointAtS, checkpointsDoneBy, lastCheckpointAtS, savedAtS } from '../../core/progress.js';
import type { Run, SimContext } from './context.js';
import { anyStaging, stagingBytesOn } from './staging.js';

/**
 * The part of a WAN link's capacity a checkpoint copy gets while training traffic shares it. ASSUMPTION: half
 * (the twin's plans do not carry the training traffic's rate; the live copy shares the shaped link with it).
 */
export const REPLICATION_LINK_SHARE = 0.5;

/** Seconds to make one checkpoint whole on every one of `sites` (0 for one site). */
export function replicationSeconds(checkpointBytes: number, sites: number, linkShareGbps: number): number {
  if (sites < 2) return 0;
  if (!(linkShareGbps > 0)) return Infinity; // no usable link: never replicated
  return ((checkpointBytes / sites) * 8) / (linkShareGbps * 1e9);
}

/** Bytes one replication puts on the WAN: every site receives the (k-1)/k of the checkpoint it lacks. */
export function replicationWanBytes(checkpointBytes: number, sites: number): number {
  return sites < 2 ? 0 : checkpointBytes * (sites - 1);
}

/** The copy rate the run's gang gets: the share of its slowest WAN link now (Gbps), or 0 without one. */
function linkShareGbps(ctx: SimContext, sites: readonly string[]): number {
  let best = Infinity;
  for (const l of ctx.fabric.wanLinks) {
    if (!sites.includes(l.a) || !sites.includes(l.b)) continue;
    best = Math.min(best, l.capacityGbps * (ctx.wanFactor.get(l.id) ?? 1) * REPLICATION_LINK_SHARE);
  }
  return Number.isFinite(best) ? best : 0;
}

/** How long after each checkpoint of run `r` its copy is whole everywhere (0 for a one-site run). */
export function replicationLagS(ctx: SimContext, r: Run, checkpointBytes: number): number {
  const sites = r.alloc?.sites ?? [];
  return sites.length < 2 ? 0 : replicationSeconds(checkpointBytes, sites.length, linkShareGbps(ctx, sites));
}

/**
 * Work saved at t counting only replicated checkpoints, and when that checkpoint completed (null: none in this
 * segment). A one-site run (lag 0) gets exactly savedAtS / lastCheckpointAtS.
 */
export function replicatedSaved(r: Run, t: number, lagS: number): { saved: number; atS: number | null } {
  const seen = lagS > 0 ? t - lagS : t;
  return { saved: savedAtS(r.seg, seen), atS: lastCheckpointAtS(r.seg, seen) };
}

/** What the twin's WAN links carried for checkpoint copies (the summary's `wanLinks`). */
export interface WanLinkUse {
  id: string;
  a: string;
  b: string;
  capacityGbps: number;
  /** Checkpoint copy bytes the link carried (GB, both directions). */
  replicationGB: number;
  /** Dataset copy bytes the link carried before jobs started (GB; src/sim/engine/staging.ts). */
  stagingGB: number;
  /** Those bytes over both directions' capacity x the run's length (ASSUMPTION: capacityGbps each way, full duplex). */
  replicationUtilization: number;
}

// bytes per WAN link id, per simulation; a WeakMap keyed by the run's context keeps the engine pure (no globals
// shared between runs) without a field in the context every run pays for
const copiedBytes = new WeakMap<SimContext, Map<string, number>>();

/**
 * Count on the WAN the copy bytes of run `r`'s checkpoints in its segment ending at t (called when the segment
 * closes): every checkpoint written sends replicationWanBytes, spread evenly over the direct links between the
 * gang's sites (the twin routes no copy over a third site); a copy still under way at t counts the part sent.
 * The copy rate is the link share at t (a WAN window changing it mid-segment is not split: approximation).
 */
export function countReplicationBytes(ctx: SimContext, r: Run, t: number, checkpointBytes: number): void {
  const sites = r.alloc?.sites ?? [];
  if (sites.length < 2 || !r.spec.checkpointable) return;
  const links = ctx.fabric.wanLinks.filter((l) => sites.includes(l.a) && sites.includes(l.b));
  const lagS = replicationLagS(ctx, r, checkpointBytes);
  if (links.length === 0 || !Number.isFinite(lagS)) return;
  let k = checkpointsDoneBy(r.seg, t);
  if (k > 0 && checkpointAtS(r.seg, k) === null) k--; // no checkpoint is written at the very end
  if (k === 0) return;
  const lastAtS = checkpointAtS(r.seg, k)!;
  const copies = k - 1 + (lagS > 0 ? Math.min(1, Math.max(0, (t - lastAtS) / lagS)) : 1);
  const perLink = (copies * replicationWanBytes(checkpointBytes, sites.length)) / links.length;
  let m = copiedBytes.get(ctx);
  if (!m) copiedBytes.set(ctx, (m = new Map()));
  for (const l of links) m.set(l.id, (m.get(l.id) ?? 0) + perLink);
}

/** Per WAN link, the copy bytes counted up to `endS`; undefined when no copy crossed the WAN (summary unchanged). */
export function wanLinkUse(ctx: SimContext, endS: number): WanLinkUse[] | undefined {
  const m = copiedBytes.get(ctx) ?? new Map<string, number>();
  if (m.size === 0 && !anyStaging(ctx)) return undefined;
  const round = (x: number, d: number): number => Math.round(x * 10 ** d) / 10 ** d;
  return ctx.fabric.wanLinks.map((l) => {
    const bytes = m.get(l.id) ?? 0;
    const capBytes = 2 * ((l.capacityGbps * 1e9) / 8) * endS;
    return {
      id: l.id,
      a: l.a,
      b: l.b,
      capacityGbps: l.capacityGbps,
      replicationGB: round(bytes / 1e9, 3),
      stagingGB: round(stagingBytesOn(ctx, l.id) / 1e9, 3),
      replicationUtilization: round(capBytes > 0 ? bytes / capBytes : 0, 6),
    };
  });
}
