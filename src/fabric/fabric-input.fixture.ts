// Raw fabric input (what a YAML file holds) for tests: the two-site example. Test support: a *.fixture.ts
// is left out of the build and only tests may import it.

/** Two sites, Atlanta and Mount Pleasant, one NVL72 pod each, one WAN link (the example); a fresh copy. */
export function twoSiteFabricInput(): Record<string, unknown> & {
  sites: Record<string, unknown>[];
  wanLinks: Record<string, unknown>[];
} {
  return structuredClone({
    name: 'two-sites',
    sites: [
      {
        id: 'atl',
        name: 'Atlanta',
        lat: 33.45,
        lon: -84.45,
        jurisdiction: 'US-GA',
        powerMW: 300,
        pue: 1.12,
        gridZone: 'SOCO',
        pods: [{ system: 'gb200-nvl72', racks: 100 }],
      },
      {
        id: 'wi',
        name: 'Mount Pleasant',
        lat: 42.71,
        lon: -87.92,
        jurisdiction: 'US-WI',
        powerMW: 300,
        pue: 1.12,
        gridZone: 'MISO',
        pods: [{ system: 'gb200-nvl72', racks: 100 }],
      },
    ],
    wanLinks: [{ a: 'atl', b: 'wi', routeKm: 1400, capacityGbps: 400000 }],
  });
}
