// Network latency from a user region to a site: the fiber model, or a measured inter-region RTT where one is known
// (never below the physics floor). Pure: the measured table is parsed from text the edge reads (data/network).
import { DEFAULT_WAN_EQUIPMENT_LATENCY_MS, FIBER_US_PER_KM } from '../../fabric/constants.js';
import { greatCircleKm } from '../../fabric/geo.js';
import type { DemandRegion, RegionSiteLatency } from './types.js';

/** Median fiber route over great circle for US long-haul conduits (Bozkurt et al., arXiv 1811.10737), as fabrics use. */
export const ROUTE_FACTOR = 1.3;
/**
 * ASSUMPTION: a site or user region within this distance of a measured cloud region's coordinates is taken to be at
 * that region (metro scale: the measurement then stands for the pair); farther away the fiber model is used.
 */
export const MEASURED_MATCH_KM = 80;

export interface MeasuredRegion {
  /** `azure:eastus`. */
  key: string;
  lat: number;
  lon: number;
}

/** Measured RTTs between cloud regions: symmetric lookup by key pair, plus the regions' coordinates. */
export interface MeasuredRtt {
  regions: MeasuredRegion[];
  /** `a|b` (sorted keys) -> RTT ms. */
  rttMs: Map<string, number>;
  source: string;
}

export interface LatencySite {
  id: string;
  lat: number;
  lon: number;
}

const pairKey = (a: string, b: string): string => (a < b ? `${a}|${b}` : `${b}|${a}`);

/** Azure display name ("East US 2") to the key the coordinates file uses ("eastus2"). */
export function azureKey(displayName: string): string {
  return `azure:${displayName.toLowerCase().replace(/[^a-z0-9]/g, '')}`;
}

/**
 * Parse the Azure inter-region RTT table (CSV `source_region,destination_region,rtt_p95_ms`) and the region
 * coordinates (carbon-aware-sdk JSON `{name: {Latitude, Longitude}}`). Both directions of a pair may be listed; the
 * larger is kept (a conservative p95).
 */
export function parseAzureRtt(csvText: string, coordinatesJson: unknown, source: string): MeasuredRtt {
  const rttMs = new Map<string, number>();
  const lines = csvText.split(/\r?\n/).filter((l) => l.trim());
  for (const line of lines.slice(1)) {
    const [src, dst, ms] = line.split(',');
    const v = Number(ms);
    if (!src || !dst || !Number.isFinite(v) || v <= 0) continue;
    const k = pairKey(azureKey(src), azureKey(dst));
    rttMs.set(k, Math.max(v, rttMs.get(k) ?? 0));
  }
  // Only regions the table measures: staging twins (eastusstg) share coordinates with real ones.
  const measuredKeys = new Set([...rttMs.keys()].flatMap((k) => k.split('|')));
  const regions: MeasuredRegion[] = [];
  for (const [name, c] of Object.entries((coordinatesJson ?? {}) as Record<string, Record<string, unknown>>)) {
    const lat = Number(c.Latitude);
    const lon = Number(c.Longitude);
    const key = `azure:${name.toLowerCase()}`;
    if (Number.isFinite(lat) && Number.isFinite(lon) && measuredKeys.has(key)) regions.push({ key, lat, lon });
  }
  return { regions, rttMs, source };
}

/** The measured region a point stands at (nearest within MEASURED_MATCH_KM), or undefined. */
export function nearestMeasuredRegion(measured: MeasuredRtt, lat: number, lon: number): MeasuredRegion | undefined {
  let best: MeasuredRegion | undefined;
  let bestKm = MEASURED_MATCH_KM;
  for (const r of measured.regions) {
    const km = greatCircleKm(lat, lon, r.lat, r.lon);
    if (km < bestKm || (best === undefined && km <= bestKm)) {
      bestKm = km;
      best = r;
    }
  }
  return best;
}

/** Physics floor on an RTT between two points: the great circle in fiber, both ways, ms. */
export function physicsFloorRttMs(km: number): number {
  return (2 * km * FIBER_US_PER_KM) / 1000;
}

/** Fiber-model RTT: great circle x route factor in fiber, both ways, plus WAN equipment latency each way, ms. */
export function fiberModelRttMs(km: number): number {
  return physicsFloorRttMs(km * ROUTE_FACTOR) + 2 * DEFAULT_WAN_EQUIPMENT_LATENCY_MS;
}

/** RTT from one user region to one site, saying whether a measurement or the fiber model gave it. */
export function regionSiteLatency(region: DemandRegion, site: LatencySite, measured?: MeasuredRtt): RegionSiteLatency {
  const km = greatCircleKm(region.lat, region.lon, site.lat, site.lon);
  const fiberRttMs = fiberModelRttMs(km);
  const base = { regionId: region.id, siteId: site.id, fiberRttMs };
  if (measured) {
    const from = region.measuredRegion ?? nearestMeasuredRegion(measured, region.lat, region.lon)?.key;
    const to = nearestMeasuredRegion(measured, site.lat, site.lon)?.key;
    const ms = from && to && from !== to ? measured.rttMs.get(pairKey(from, to)) : undefined;
    if (ms !== undefined) {
      const floor = physicsFloorRttMs(km);
      const used = Math.max(ms, floor);
      const clamp = used > ms ? ` raised to the fiber floor ${floor.toFixed(1)} ms` : '';
      return { ...base, rttMs: used, basis: 'measured', source: `${measured.source}: ${from} - ${to}${clamp}` };
    }
  }
  const source = `fiber model: ${km.toFixed(0)} km great circle x ${ROUTE_FACTOR} route x ${FIBER_US_PER_KM} us/km x 2 + equipment`;
  return { ...base, rttMs: fiberRttMs, basis: 'fiber', source };
}

/** Every region x site pair. */
export function latencyMatrix(
  regions: readonly DemandRegion[],
  sites: readonly LatencySite[],
  measured?: MeasuredRtt,
): RegionSiteLatency[] {
  const out: RegionSiteLatency[] = [];
  for (const r of regions) for (const s of sites) out.push(regionSiteLatency(r, s, measured));
  return out;
}
