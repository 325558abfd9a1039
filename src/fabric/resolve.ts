// Resolving a shape-checked fabric: sites, pods and WAN links against the catalog, cross-field checks
// (ids, power caps, fiber latency), defaults filled in. Pure: the catalog is passed in.
import { itW, sitePowerCapW, withinPowerCap } from '../core/power.js';
import {
  DEFAULT_CHECKPOINT_GBPS_PER_GPU,
  DEFAULT_HOP_LATENCY_US,
  DEFAULT_WAN_EQUIPMENT_LATENCY_MS,
  DEFAULT_WUE_L_PER_KWH,
  FIBER_US_PER_KM,
  TOPOLOGY_TIERS,
} from './constants.js';
import { fiberPropagationMs, greatCircleKm } from './geo.js';
import type { FabricInput, NetworkInput, PodInput } from './schema.js';
import type { Fabric, InputIssue, Pod, ScaleOutNetwork, Site, SystemSpec, WanLink } from './types.js';
import { knownSystemIds, type Catalog } from './catalog-file.js';

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

  const knownSites = [...new Set(input.sites.map((s) => s.id))];
  const wanLinks: WanLink[] = [];
  const linkIdOwner = new Map<string, number>();
  (input.wanLinks ?? []).forEach((li, k) => {
    const lp = `wanLinks[${k}]`;
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
      const gcKm = greatCircleKm(sa.lat, sa.lon, sb.lat, sb.lon);
      if (li.routeKm < gcKm * (1 - 1e-9)) {
        issues.push({
          path: `${lp}.routeKm`,
          message: `route ${fmt(li.routeKm, 1)} km is shorter than the great-circle distance ${fmt(gcKm, 1)} km between ${li.a} and ${li.b}; fiber cannot be shorter than the great circle`,
          hint: `set routeKm to at least ${Math.ceil(gcKm)} (real routes run ~1.2-1.5x the great circle; 1.3x = ${Math.ceil(gcKm * 1.3)} km), or check the sites' lat/lon`,
        });
      }
    }

    const propagationMs = fiberPropagationMs(li.routeKm);
    let latencyMs: number;
    let equipmentLatencyMs: number;
    if (li.latencyMs !== undefined) {
      if (li.latencyMs < propagationMs * (1 - 1e-12)) {
        issues.push({
          path: `${lp}.latencyMs`,
          message: `faster than light in fiber: ${fmt(li.routeKm, 1)} km needs at least ${fmt(propagationMs)} ms one way (${FIBER_US_PER_KM} us/km), but latencyMs is ${li.latencyMs}`,
          hint: `set latencyMs to at least ${fmt(propagationMs)} (or leave it out to compute it), or shorten routeKm`,
        });
      }
      latencyMs = li.latencyMs;
      equipmentLatencyMs = li.equipmentLatencyMs ?? Math.max(0, li.latencyMs - propagationMs);
    } else {
      equipmentLatencyMs = li.equipmentLatencyMs ?? DEFAULT_WAN_EQUIPMENT_LATENCY_MS;
      latencyMs = propagationMs + equipmentLatencyMs;
    }

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

function resolvePod(
  pi: PodInput,
  pp: string,
  defaultId: string,
  catalog: Catalog,
  issues: InputIssue[],
): Pod | undefined {
  const system = catalog.systems.get(pi.system);
  if (system === undefined) {
    issues.push({
      path: `${pp}.system`,
      message: `unknown system "${pi.system}"`,
      hint: `use one of: ${knownSystemIds(catalog).join(', ')} (aliases: ${aliasList(catalog)})`,
    });
    return undefined;
  }

  let nodes: number;
  let racks: number | null = null;
  const rackScale = system.gpusPerRack !== undefined;
  if (pi.racks !== undefined && pi.nodes !== undefined) {
    issues.push({
      path: pp,
      message: 'give either racks or nodes, not both',
      hint: rackScale
        ? `keep racks (${system.id} is sized in racks of ${system.gpusPerRack} GPUs)`
        : `keep nodes (${system.id} is sized in nodes of ${system.gpusPerNode} GPUs)`,
    });
    return undefined;
  }
  if (rackScale) {
    const perRack = system.gpusPerRack as number;
    if (pi.racks === undefined) {
      issues.push({
        path: pi.nodes !== undefined ? `${pp}.nodes` : `${pp}.racks`,
        message:
          pi.nodes !== undefined
            ? `${system.id} is a rack-scale system: size it in racks, not nodes`
            : `missing required field "racks" for rack-scale system ${system.id}`,
        hint: `use racks: N (each rack holds ${perRack} GPUs${pi.nodes !== undefined ? `; ${pi.nodes} nodes of ${system.gpusPerNode} GPUs = ${fmt((pi.nodes * system.gpusPerNode) / perRack, 2)} racks` : ''})`,
      });
      return undefined;
    }
    racks = pi.racks;
    nodes = (pi.racks * perRack) / system.gpusPerNode;
  } else {
    if (pi.nodes === undefined) {
      issues.push({
        path: pi.racks !== undefined ? `${pp}.racks` : `${pp}.nodes`,
        message:
          pi.racks !== undefined
            ? `${system.id} is not a rack-scale system: size it in nodes, not racks`
            : `missing required field "nodes" for system ${system.id}`,
        hint: `use nodes: N (each node holds ${system.gpusPerNode} GPUs)`,
      });
      return undefined;
    }
    nodes = pi.nodes;
  }
  const gpus = nodes * system.gpusPerNode;
  const network = resolveNetwork(pi.network ?? {}, system, gpus, `${pp}.network`, issues);
  if (network === undefined) return undefined;
  return { id: pi.id ?? defaultId, system, nodes, racks, gpus, network };
}

function aliasList(catalog: Catalog): string {
  const pairs: string[] = [];
  for (const [key, spec] of catalog.systems) if (key !== spec.id) pairs.push(`${key} = ${spec.id}`);
  return pairs.length > 0 ? pairs.join(', ') : 'none';
}

function resolveNetwork(
  ni: NetworkInput,
  system: SystemSpec,
  podGpus: number,
  np: string,
  issues: InputIssue[],
): ScaleOutNetwork | undefined {
  const topology = ni.topology ?? 'fat-tree-2';
  const tiers = TOPOLOGY_TIERS[topology];
  const oversubscription = ni.oversubscription ?? new Array<number>(tiers - 1).fill(1);
  let ok = true;
  if (oversubscription.length !== tiers - 1) {
    ok = false;
    issues.push({
      path: `${np}.oversubscription`,
      message: `${topology} has ${tiers - 1} tier${tiers - 1 === 1 ? '' : 's'} above the leaf, but oversubscription lists ${oversubscription.length} ratio${oversubscription.length === 1 ? '' : 's'}`,
      hint:
        topology === 'fat-tree-2'
          ? 'use one ratio, e.g. [1]'
          : 'use two ratios, leaf->spine then spine->core, e.g. [1, 7]',
    });
  }
  const fullBisection = oversubscription.every((r) => r === 1);
  let fullBisectionGpus = ni.fullBisectionGpus;
  if (fullBisectionGpus === undefined) {
    if (fullBisection) {
      fullBisectionGpus = podGpus;
    } else {
      ok = false;
      issues.push({
        path: `${np}.fullBisectionGpus`,
        message: `oversubscription ${JSON.stringify(oversubscription)} needs the size of the full-bisection group below the oversubscribed tier`,
        hint: 'add fullBisectionGpus: N (e.g. 3072 for a Meta Llama 3 pod)',
      });
    }
  } else if (fullBisectionGpus > podGpus) {
    ok = false;
    issues.push({
      path: `${np}.fullBisectionGpus`,
      message: `fullBisectionGpus ${fullBisectionGpus} is larger than the pod (${podGpus} GPUs)`,
      hint: `use at most ${podGpus}, or leave it out for a full-bisection pod`,
    });
  }
  if (!ok || fullBisectionGpus === undefined) return undefined;
  return {
    topology,
    railOptimized: ni.railOptimized ?? true,
    nicGbpsPerGpu: ni.nicGbpsPerGpu ?? system.defaultNicGbpsPerGpu,
    oversubscription,
    fullBisectionGpus,
    hopLatencyUs: ni.hopLatencyUs ?? DEFAULT_HOP_LATENCY_US,
    transport: ni.transport ?? system.defaultTransport ?? 'infiniband',
  };
}
