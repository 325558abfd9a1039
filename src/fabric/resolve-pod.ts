// Resolving one pod of a fabric: its system against the catalog, its size (racks or nodes), its scale-out network
// and, for torus-connected systems, its slice shape. Pure: the catalog is passed in; problems go to `issues`.
import { DEFAULT_HOP_LATENCY_US, TOPOLOGY_TIERS } from './constants.js';
import { knownSystemIds, type Catalog } from './catalog-file.js';
import { resolveTorus } from './resolve-torus.js';
import type { NetworkInput, PodInput } from './schema.js';
import type { InputIssue, Pod, ScaleOutNetwork, SystemSpec } from './types.js';

const fmt = (x: number, digits = 3): string => String(Number(x.toFixed(digits)));

export function resolvePod(
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
  const torus = resolveTorus(pi.torus, system, gpus, pp, issues);
  if (network === undefined || torus === null) return undefined;
  return { id: pi.id ?? defaultId, system, nodes, racks, gpus, network, ...(torus !== undefined && { torus }) };
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
    // Only when given: absent means adaptive, and resolved fabrics keep their former shape.
    ...(ni.loadBalancing ? { loadBalancing: ni.loadBalancing } : {}),
  };
}
