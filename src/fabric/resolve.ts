// Resolving a shape-checked fabric: sites, pods and WAN links against the catalog, cross-field checks
// (ids, power caps, fiber latency), defaults filled in. Pure: the catalog is passed in.
import { itW, sitePowerCapW, withinPowerCap } from '../core/power.js';
import { DEFAULT_CHECKPOINT_GBPS_PER_GPU, DEFAULT_WUE_L_PER_KWH } from './constants.js';
import type { Catalog } from './catalog-file.js';
import { resolvePod } from './resolve-pod.js';
import { resolveWanLinks } from './resolve-wan.js';
import type { FabricInput } from './schema.js';
import type { Fabric, InputIssue, Pod, Site } from './types.js';

export type ParseFabricResult = { ok: true; fabric: Fabric } | { ok: false; issues: InputIssue[] };

const fmt = (x: number, digits = 3): string => String(Number(x.toFixed(digits)));

export function resolveFabric(input: FabricInput, catalog: Catalog): ParseFabricResult {
  const issues: InputIssue[] = [];
  const siteIndexById = new Map<string, number>();
  const podIdOwner = new Map<string, string>();
  const sites: Site[] = [];

  input.sites.forEach((si, i) => {
    const sp = `sites[${i}]`;
    const seen = siteIndexById.get(si.id);
    if (seen !== undefined) {
      issues.push({
        path: `${sp}.id`,
        message: `duplicate site id "${si.id}" (also used by sites[${seen}])`,
        hint: 'give every site a unique id',
      });
    } else {
      siteIndexById.set(si.id, i);
    }

    const pods: Pod[] = [];
    si.pods.forEach((pi, j) => {
      const pod = resolvePod(pi, `${sp}.pods[${j}]`, `${si.id}-${j}`, catalog, issues);
      if (pod === undefined) return;
      const owner = podIdOwner.get(pod.id);
      if (owner !== undefined) {
        issues.push({
          path: `${sp}.pods[${j}].id`,
          message: `duplicate pod id "${pod.id}" (also used by ${owner})`,
          hint: 'give every pod a unique id across the fabric',
        });
      } else {
        podIdOwner.set(pod.id, `${sp}.pods[${j}]`);
      }
      pods.push(pod);
    });

    const gpus = pods.reduce((n, p) => n + p.gpus, 0);
    if (pods.length === si.pods.length) {
      const itMW = itW(pods) / 1e6;
      const facilityMW = itMW * si.pue;
      if (!withinPowerCap(0, facilityMW * 1e6, sitePowerCapW(si))) {
        issues.push({
          path: `${sp}.powerMW`,
          message: `the pods draw ${fmt(facilityMW, 1)} MW at the meter (${fmt(itMW, 1)} MW IT x PUE ${si.pue}), more than powerMW ${si.powerMW}`,
          hint: `raise powerMW to at least ${Math.ceil(facilityMW * 10) / 10} or size the pods down`,
        });
      }
    }

    sites.push({
      id: si.id,
      name: si.name,
      lat: si.lat,
      lon: si.lon,
      jurisdiction: si.jurisdiction,
      powerMW: si.powerMW,
      pue: si.pue,
      wueLPerKWh: si.wueLPerKWh ?? DEFAULT_WUE_L_PER_KWH,
      gridZone: si.gridZone,
      checkpointStorageGBps: si.checkpointStorageGBps ?? gpus * DEFAULT_CHECKPOINT_GBPS_PER_GPU,
      pods,
      gpus,
    });
  });

  const wanLinks = resolveWanLinks(input, siteIndexById, issues);

  if (issues.length > 0) return { ok: false, issues };
  return {
    ok: true,
    fabric: {
      name: input.name,
      description: input.description ?? '',
      sites,
      wanLinks,
      gpus: sites.reduce((n, s) => n + s.gpus, 0),
    },
  };
}
