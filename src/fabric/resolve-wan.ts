// Resolving the WAN links of a fabric: endpoints, ids, route length against the great circle, latency against
// light in fiber. Pure; problems go to `issues`.
import { DEFAULT_WAN_EQUIPMENT_LATENCY_MS, FIBER_US_PER_KM } from './constants.js';
import { fiberPropagationMs, greatCircleKm } from './geo.js';
import type { FabricInput } from './schema.js';
import type { InputIssue, WanLink } from './types.js';

const fmt = (x: number, digits = 3): string => String(Number(x.toFixed(digits)));

type WanLinkInput = NonNullable<FabricInput['wanLinks']>[number];

export function resolveWanLinks(
  input: FabricInput,
  siteIndexById: ReadonlyMap<string, number>,
  issues: InputIssue[],
): WanLink[] {
  const knownSites = [...new Set(input.sites.map((s) => s.id))];
  const wanLinks: WanLink[] = [];
  const linkIdOwner = new Map<string, number>();
  (input.wanLinks ?? []).forEach((li, k) => {
    const lp = `wanLinks[${k}]`;
    const endpointsOk = checkEndpoints(li, lp, siteIndexById, knownSites, issues);
    const id = li.id ?? `${li.a}-${li.b}`;
    const owner = linkIdOwner.get(id);
    if (owner !== undefined) {
      issues.push({
        path: li.id !== undefined ? `${lp}.id` : lp,
        message: `duplicate WAN link id "${id}" (also used by wanLinks[${owner}])`,
        hint: 'give parallel links distinct ids with id: ...',
      });
    } else {
      linkIdOwner.set(id, k);
    }
    if (endpointsOk) {
      const sa = input.sites[siteIndexById.get(li.a) as number];
      const sb = input.sites[siteIndexById.get(li.b) as number];
      checkRouteLength(li, lp, greatCircleKm(sa.lat, sa.lon, sb.lat, sb.lon), issues);
    }
    const { latencyMs, equipmentLatencyMs } = linkLatency(li, lp, issues);
    wanLinks.push({
      id,
      a: li.a,
      b: li.b,
      routeKm: li.routeKm,
      capacityGbps: li.capacityGbps,
      latencyMs,
      equipmentLatencyMs,
    });
  });
  return wanLinks;
}

/** Both ends name known sites, and two different ones. */
function checkEndpoints(
  li: WanLinkInput,
  lp: string,
  siteIndexById: ReadonlyMap<string, number>,
  knownSites: readonly string[],
  issues: InputIssue[],
): boolean {
  let endpointsOk = true;
  for (const end of ['a', 'b'] as const) {
    if (!siteIndexById.has(li[end])) {
      endpointsOk = false;
      issues.push({
        path: `${lp}.${end}`,
        message: `unknown site "${li[end]}"`,
        hint: `use one of the site ids: ${knownSites.join(', ')}`,
      });
    }
  }
  if (li.a === li.b) {
    endpointsOk = false;
    issues.push({
      path: `${lp}.b`,
      message: `a WAN link joins two different sites, but a and b are both "${li.a}"`,
      hint: `set b to another site: ${knownSites.filter((s) => s !== li.a).join(', ') || '(add a second site)'}`,
    });
  }
  return endpointsOk;
}

/** Fiber cannot be shorter than the great circle between the sites. */
function checkRouteLength(li: WanLinkInput, lp: string, gcKm: number, issues: InputIssue[]): void {
  if (li.routeKm >= gcKm * (1 - 1e-9)) return;
  issues.push({
    path: `${lp}.routeKm`,
    message: `route ${fmt(li.routeKm, 1)} km is shorter than the great-circle distance ${fmt(gcKm, 1)} km between ${li.a} and ${li.b}; fiber cannot be shorter than the great circle`,
    hint: `set routeKm to at least ${Math.ceil(gcKm)} (real routes run ~1.2-1.5x the great circle; 1.3x = ${Math.ceil(gcKm * 1.3)} km), or check the sites' lat/lon`,
  });
}

/** One-way latency: given (never below light in fiber) or propagation plus equipment latency. */
function linkLatency(
  li: WanLinkInput,
  lp: string,
  issues: InputIssue[],
): { latencyMs: number; equipmentLatencyMs: number } {
  const propagationMs = fiberPropagationMs(li.routeKm);
  if (li.latencyMs === undefined) {
    const equipmentLatencyMs = li.equipmentLatencyMs ?? DEFAULT_WAN_EQUIPMENT_LATENCY_MS;
    return { latencyMs: propagationMs + equipmentLatencyMs, equipmentLatencyMs };
  }
  if (li.latencyMs < propagationMs * (1 - 1e-12)) {
    issues.push({
      path: `${lp}.latencyMs`,
      message: `faster than light in fiber: ${fmt(li.routeKm, 1)} km needs at least ${fmt(propagationMs)} ms one way (${FIBER_US_PER_KM} us/km), but latencyMs is ${li.latencyMs}`,
      hint: `set latencyMs to at least ${fmt(propagationMs)} (or leave it out to compute it), or shorten routeKm`,
    });
  }
  return {
    latencyMs: li.latencyMs,
    equipmentLatencyMs: li.equipmentLatencyMs ?? Math.max(0, li.latencyMs - propagationMs),
  };
}
