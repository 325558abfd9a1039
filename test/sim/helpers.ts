// Small hand-built fabrics for tests (the real presets come from src/fabric).
import type { Fabric, Pod, Site, SystemSpec } from '../../src/fabric/types.js';

export function system(domainGpus = 8, tdpW = 700, systemPowerPerGpuW = 1275): SystemSpec {
  return {
    id: `test-${domainGpus}`,
    name: `test system ${domainGpus}`,
    gpuId: 'h100-sxm',
    gpu: { id: 'h100-sxm', name: 'H100', vendor: 'NVIDIA', bf16DenseTflops: 989, fp8DenseTflops: 1979, hbmGiB: 80, hbmTBps: 3.35, tdpW, source: 'test' },
    gpusPerNode: Math.min(8, domainGpus),
    scaleUpDomainGpus: domainGpus,
    scaleUpGBpsPerDirection: 450,
    scaleUpLatencyUs: 2,
    defaultNicGbpsPerGpu: 400,
    systemPowerPerGpuW,
    source: 'test',
  };
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
        network: { topology: 'fat-tree-2', railOptimized: true, nicGbpsPerGpu: 400, oversubscription: [1], fullBisectionGpus: gpus, hopLatencyUs: 1, transport: 'roce' },
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
    wanLinks.push({ id: `${out[0].id}-${out[i].id}`, a: out[0].id, b: out[i].id, routeKm: 1000, capacityGbps: 100000, latencyMs: 5, equipmentLatencyMs: 0.1 });
  }
  return { name, description: 'test fabric', sites: out, wanLinks, gpus: out.reduce((a, s) => a + s.gpus, 0) };
}
