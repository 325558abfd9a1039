// Network latency from a caller's site to a replica's site (pure): the fabric's WAN links (each one-way latency
// is its fiber propagation, routeKm x 4.9 us, plus equipment), shortest path over them; sites with no path get
// the great-circle fiber lower bound. Round trip = 2 x one way.
import { fiberPropagationMs, greatCircleKm } from '../../fabric/geo.js';
import type { Fabric } from '../../fabric/types.js';

/** One-way latency (ms) from `from` to every site reachable over WAN links (Dijkstra; a handful of sites). */
function oneWayFrom(fabric: Fabric, from: string): Map<string, number> {
  const dist = new Map<string, number>([[from, 0]]);
  const done = new Set<string>();
  for (;;) {
    let best: string | null = null;
    for (const [s, d] of dist) if (!done.has(s) && (best === null || d < dist.get(best)!)) best = s;
    if (best === null) return dist;
    done.add(best);
    for (const l of fabric.wanLinks) {
      const other = l.a === best ? l.b : l.b === best ? l.a : null;
      if (other === null) continue;
      const d = dist.get(best)! + l.latencyMs;
      if (d < (dist.get(other) ?? Infinity)) dist.set(other, d);
    }
  }
}

/** Round trip (ms) between two sites of the fabric; 0 for the same site or when the origin is unknown. */
export function siteRttMs(fabric: Fabric, origin: string | null, site: string): number {
  if (origin === null || origin === site) return 0;
  const d = oneWayFrom(fabric, origin).get(site);
  if (d !== undefined) return 2 * d;
  const a = fabric.sites.find((s) => s.id === origin);
  const b = fabric.sites.find((s) => s.id === site);
  if (!a || !b) return 0;
  return 2 * fiberPropagationMs(greatCircleKm(a.lat, a.lon, b.lat, b.lon));
}

/** Round trips from `origin` to every site (the router's table for one request). */
export function rttTable(fabric: Fabric, origin: string | null): Map<string, number> {
  return new Map(fabric.sites.map((s) => [s.id, siteRttMs(fabric, origin, s.id)]));
}
