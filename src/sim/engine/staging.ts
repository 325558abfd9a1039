// Dataset staging in the twin, as the live control plane does it (src/control/scheduling/staging.ts): a job names
// its dataset's size (`datasetGB`) and the sites holding a replica (`datasetSites`); before it starts, every site
// of its placement without a replica gets a copy over the WAN from a replica site, the copies to different sites in
// parallel. The copy time (bytes / the link's share, REPLICATION_LINK_SHARE: same ASSUMPTION as checkpoint copies)
// is part of the job's start delay: the GPUs wait held. A staged site keeps its replica for later restarts.
// A job without `datasetGB` stages nothing (ASSUMPTION, as before: its data is already on every site).
import type { WanLink } from '../../fabric/types.js';
import type { Run, SimContext } from './context.js';
import { REPLICATION_LINK_SHARE } from './replication.js';

interface Staged {
  /** Sites holding a replica now. */
  sites: Set<string>;
  /** Seconds the job waited for copies (all starts). */
  waitS: number;
}

const staged = new WeakMap<Run, Staged>();
const linkBytes = new WeakMap<SimContext, Map<string, number>>();

const linkBetween = (ctx: SimContext, a: string, b: string): WanLink | undefined =>
  ctx.fabric.wanLinks.find((l) => (l.a === a && l.b === b) || (l.a === b && l.b === a));

/**
 * Copy the dataset of run `r` to the sites of `sites` lacking it; returns the seconds until every copy is there
 * (0 when nothing is missing). Each copy takes the direct link with the largest share from a replica site.
 */
export function stageDatasets(ctx: SimContext, r: Run, sites: readonly string[]): number {
  const gb = r.spec.datasetGB;
  if (gb === undefined) return 0;
  let st = staged.get(r);
  if (!st) staged.set(r, (st = { sites: new Set(r.spec.datasetSites ?? []), waitS: 0 }));
  const have = [...st.sites];
  let waitS = 0;
  for (const site of sites) {
    if (st.sites.has(site)) continue;
    let best: { link: WanLink; gbps: number } | null = null;
    for (const from of have) {
      const link = linkBetween(ctx, from, site);
      if (!link) continue;
      // a cut link (WAN window at 0) counts at its nominal rate: the twin does not model the copy waiting it out
      const gbps = link.capacityGbps * (ctx.wanFactor.get(link.id) || 1) * REPLICATION_LINK_SHARE;
      if (gbps > 0 && (!best || gbps > best.gbps)) best = { link, gbps };
    }
    if (!best)
      throw new Error(
        `jobs[${r.spec.id}].datasetSites: site ${site} has no WAN link from a replica site (${have.join(', ') || 'none'}); ` +
          'name a replica on a site linked to it, or allow only linked sites',
      );
    waitS = Math.max(waitS, (gb * 8) / best.gbps);
    let m = linkBytes.get(ctx);
    if (!m) linkBytes.set(ctx, (m = new Map()));
    m.set(best.link.id, (m.get(best.link.id) ?? 0) + gb * 1e9);
  }
  for (const site of sites) st.sites.add(site);
  st.waitS += waitS;
  return waitS;
}

/** Seconds run `r` waited for dataset copies, or undefined when it stages no dataset. */
export function stagingWaitS(r: Run): number | undefined {
  return staged.get(r)?.waitS;
}

/** Dataset copy bytes counted on WAN link `id`. */
export function stagingBytesOn(ctx: SimContext, id: string): number {
  return linkBytes.get(ctx)?.get(id) ?? 0;
}

/** Whether any dataset copy crossed the WAN in this run. */
export function anyStaging(ctx: SimContext): boolean {
  return linkBytes.has(ctx);
}
