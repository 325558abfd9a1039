// Small parsed fabrics for the planner's tests: two DGX H100 sites over one WAN link. Test support: a *.fixture.ts
// is left out of the build and only tests may import it.
import { parseFabric } from '../fabric/load.js';
import type { Fabric } from '../fabric/types.js';

export interface TwoSitesOptions {
  aJur?: string;
  bJur?: string;
  /** DGX H100 nodes (8 GPUs each) per site (default 16). */
  nodes?: number;
  powerMW?: number;
}

/** Atlanta-like and Wisconsin-like sites, 1,400 km of fiber apart, joined at `capacityGbps`. */
export function twoSites(capacityGbps: number, o: TwoSitesOptions = {}): Fabric {
  const site = (id: string, lat: number, lon: number, jurisdiction: string, gridZone: string) => ({
    id,
    name: id.toUpperCase(),
    lat,
    lon,
    jurisdiction,
    powerMW: o.powerMW ?? 100,
    pue: 1.2,
    gridZone,
    pods: [{ system: 'dgx-h100', nodes: o.nodes ?? 16 }],
  });
  const result = parseFabric({
    name: 'two',
    sites: [site('a', 33.45, -84.45, o.aJur ?? 'US-GA', 'SOCO'), site('b', 42.7, -87.9, o.bJur ?? 'US-WI', 'MISO')],
    wanLinks: [{ a: 'a', b: 'b', routeKm: 1400, capacityGbps }],
  });
  if (!result.ok) throw new Error(JSON.stringify(result.issues));
  return result.fabric;
}
