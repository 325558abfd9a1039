// Small hand-built fabrics for tests (the real presets come from src/fabric). Test support: a *.fixture.ts is
// left out of the build and only tests may import it (eslint rule superfactory/layer-order).
import { loadCatalog } from './load.js';
import type { Fabric, Pod, Site, SystemSpec } from './types.js';

/** A catalog system (default HGX H100, 8-GPU NVLink domains), optionally with another domain size. */
export function system(domainGpus = 8, id = domainGpus > 8 ? 'gb200-nvl72' : 'hgx-h100'): SystemSpec {
  const sys = loadCatalog().systems.get(id);
  if (!sys) throw new Error(`catalog has no system ${id}`);
  return sys.scaleUpDomainGpus === domainGpus
    ? sys
    : { ...sys, scaleUpDomainGpus: domainGpus, gpusPerNode: Math.min(sys.gpusPerNode, domainGpus) };
}

export interface SiteSpec {
  id: string;
  jurisdiction?: string;
  gridZone?: string;
  pods?: number;
  gpusPerPod?: number;
  domainGpus?: number;
  powerMW?: number;
  pue?: number;
  checkpointStorageGBps?: number;
}

export function makeFabric(sites: SiteSpec[], name = 'test'): Fabric {
  const out: Site[] = sites.map((s) => {
    const sys = system(s.domainGpus ?? 8);
    const pods: Pod[] = [];
    for (let i = 0; i < (s.pods ?? 1); i++) {
      const gpus = s.gpusPerPod ?? 16;
      pods.push({
        id: `${s.id}-pod${i}`,
        system: sys,
        nodes: Math.ceil(gpus / sys.gpusPerNode),
        racks: null,
        gpus,
        network: {
          topology: 'fat-tree-2',
          railOptimized: true,
          nicGbpsPerGpu: 400,
          oversubscription: [1],
          fullBisectionGpus: gpus,
          hopLatencyUs: 1,
          transport: 'roce',
        },
      });
    }
    return {
      id: s.id,
      name: s.id,
      lat: 0,
      lon: 0,
      jurisdiction: s.jurisdiction ?? 'US',
      powerMW: s.powerMW ?? 0,
      pue: s.pue ?? 1.2,
      wueLPerKWh: 0.5,
      gridZone: s.gridZone ?? 'PJM',
      checkpointStorageGBps: s.checkpointStorageGBps ?? 100,
      pods,
      gpus: pods.reduce((a, p) => a + p.gpus, 0),
    };
  });
  const wanLinks = [];
  for (let i = 1; i < out.length; i++) {
    wanLinks.push({
      id: `${out[0].id}-${out[i].id}`,
      a: out[0].id,
      b: out[i].id,
      routeKm: 1000,
      capacityGbps: 100000,
      latencyMs: 5,
      equipmentLatencyMs: 0.1,
    });
  }
  return { name, description: 'test fabric', sites: out, wanLinks, gpus: out.reduce((a, s) => a + s.gpus, 0) };
}
