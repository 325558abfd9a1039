// The edge of the fabric module: read fabric files and the hardware catalog, validate them once,
// and return resolved plain objects. Bad input comes back as a list of {path, message, hint}.
import { readFileSync, readdirSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { basename, extname } from 'node:path';
import YAML from 'yaml';
import type { z } from 'zod';
import { formatIssue, formatPath, zodIssues } from '../core/issues.js';
import { itW, sitePowerCapW, withinPowerCap } from '../core/power.js';
import { dataPath } from '../data-dir.js';
import {
  DEFAULT_CHECKPOINT_GBPS_PER_GPU,
  DEFAULT_HOP_LATENCY_US,
  DEFAULT_WAN_EQUIPMENT_LATENCY_MS,
  DEFAULT_WUE_L_PER_KWH,
  FIBER_US_PER_KM,
  TOPOLOGY_TIERS,
} from './constants.js';
import { fiberPropagationMs, greatCircleKm } from './geo.js';
import {
  CatalogAchievableFileSchema,
  CatalogGpuFileSchema,
  CatalogSystemFileSchema,
  FabricInputSchema,
  FIELD_HINTS,
  type FabricInput,
  type NetworkInput,
  type PodInput,
} from './schema.js';
import type {
  AchievableCeilings,
  Fabric,
  GpuSpec,
  InputIssue,
  Pod,
  ScaleOutNetwork,
  Site,
  SystemSpec,
  WanLink,
} from './types.js';

/** Bad fabric input (or an unknown preset id). `issues` says what to fix, field by field. */
export class FabricInputError extends Error {
  readonly issues: InputIssue[];
  constructor(issues: InputIssue[], sourceName?: string) {
    const where = sourceName !== undefined ? ` in ${sourceName}` : '';
    const lines = issues.map((i) => `  ${formatIssue(i)}`).join('\n');
    super(`invalid fabric${where}: ${issues.length} issue${issues.length === 1 ? '' : 's'}\n${lines}`);
    this.name = 'FabricInputError';
    this.issues = issues;
  }
}

/** The one-line issue form and code-like paths live in core; re-exported for the fabric's callers. */
export { formatIssue, formatPath };

export type ParseFabricResult = { ok: true; fabric: Fabric } | { ok: false; issues: InputIssue[] };

export interface Catalog {
  gpus: Map<string, GpuSpec>;
  /** Keyed by system id and by each alias (an alias maps to the same object). */
  systems: Map<string, SystemSpec>;
}

// ---------------------------------------------------------------------------------------------
// Catalog

const GIB_PER_GB = 1e9 / 2 ** 30;
let catalogCache: Catalog | undefined;

/** The hardware catalog from data/catalog/{gpus,systems,achievable}.json, validated and cached. */
export function loadCatalog(): Catalog {
  if (catalogCache !== undefined) return catalogCache;
  const gpuFile = readCatalogFile('gpus.json', CatalogGpuFileSchema);
  const systemFile = readCatalogFile('systems.json', CatalogSystemFileSchema);
  const achievable = readCatalogFile('achievable.json', CatalogAchievableFileSchema).gpus;

  const gpus = new Map<string, GpuSpec>();
  for (const g of gpuFile.gpus) {
    if (gpus.has(g.id)) throw new Error(`catalog bug: duplicate GPU id ${g.id} in data/catalog/gpus.json`);
    gpus.set(g.id, {
      id: g.id,
      name: g.name,
      vendor: g.vendor,
      bf16DenseTflops: g.bf16DenseTflops.value,
      fp8DenseTflops: g.fp8DenseTflops.value,
      hbmGiB: g.hbmGB.value * GIB_PER_GB,
      hbmTBps: g.hbmTBps.value,
      tdpW: g.tdpW.value,
      source: g.source,
      // the perf model reads these from the GPU so it reads no file itself
      ...(achievable[g.id] !== undefined && { achievable: pickAchievable(achievable[g.id]) }),
    });
  }

  const systems = new Map<string, SystemSpec>();
  for (const s of systemFile.systems) {
    const gpu = gpus.get(s.gpuId);
    if (gpu === undefined) throw new Error(`catalog bug: system ${s.id} names unknown GPU ${s.gpuId}`);
    const spec: SystemSpec = {
      id: s.id,
      name: s.name,
      gpuId: s.gpuId,
      gpu,
      gpusPerNode: s.gpusPerNode.value,
      scaleUpDomainGpus: s.scaleUpDomainGpus.value,
      scaleUpGBpsPerDirection: s.scaleUpGBpsPerDirection.value,
      scaleUpLatencyUs: s.scaleUpLatencyUs.value,
      defaultNicGbpsPerGpu: s.defaultNicGbpsPerGpu.value,
      systemPowerPerGpuW: s.systemPowerPerGpuW.value,
      source: s.source,
      defaultTransport: s.defaultTransport,
    };
    if (s.aliases !== undefined) spec.aliases = [...s.aliases];
    if (s.gpusPerRack !== undefined) {
      spec.gpusPerRack = s.gpusPerRack.value;
      if (spec.gpusPerRack % spec.gpusPerNode !== 0) {
        throw new Error(
          `catalog bug: system ${s.id} has ${spec.gpusPerRack} GPUs per rack, not a multiple of ${spec.gpusPerNode} per node`,
        );
      }
    }
    for (const key of [s.id, ...(s.aliases ?? [])]) {
      if (systems.has(key))
        throw new Error(`catalog bug: duplicate system id or alias ${key} in data/catalog/systems.json`);
      systems.set(key, spec);
    }
  }
  catalogCache = { gpus, systems };
  return catalogCache;
}

/** Only the figures (the file's *Source strings stay in the file), so a GPU object stays small. */
function pickAchievable(a: z.infer<typeof CatalogAchievableFileSchema>['gpus'][string]): AchievableCeilings {
  const { mamfFraction, sustainedMatmulFraction, flashAttentionFraction, flash3AttentionFraction } = a;
  const { deviceMemoryGiB, hostLinkGBps } = a;
  return {
    mamfFraction,
    sustainedMatmulFraction,
    flashAttentionFraction,
    flash3AttentionFraction,
    deviceMemoryGiB,
    hostLinkGBps,
  };
}

function readCatalogFile<T extends z.ZodType>(file: string, schema: T): z.infer<T> {
  const path = dataPath('catalog', file);
  const parsed = schema.safeParse(JSON.parse(readFileSync(path, 'utf8')));
  if (!parsed.success) {
    const issues = zodIssuesToInputIssues(parsed.error);
    throw new Error(`catalog bug in ${path}:\n${issues.map((i) => `  ${formatIssue(i)}`).join('\n')}`);
  }
  return parsed.data;
}

/** Primary system ids (no aliases), sorted. */
function knownSystemIds(catalog: Catalog): string[] {
  return [...new Set([...catalog.systems.values()].map((s) => s.id))].sort();
}

// ---------------------------------------------------------------------------------------------
// Paths and zod issues

/** Shape errors of a fabric or catalog file, in the fabric's words (hints by field, docs for unknown keys). */
function zodIssuesToInputIssues(error: Parameters<typeof zodIssues>[0]): InputIssue[] {
  return zodIssues(error, {
    hints: FIELD_HINTS,
    friendly: true,
    defaultHint: 'see data/fabrics/README.md for the format',
    unknownKeysHint: (keys) =>
      `remove or rename ${keys.join(', ')} (check the spelling; see data/fabrics/README.md for the fields)`,
  });
}

// ---------------------------------------------------------------------------------------------
// parseFabric

const fmt = (x: number, digits = 3): string => String(Number(x.toFixed(digits)));

/**
 * Validate and resolve a fabric from already-parsed YAML/JSON. Never throws on bad input:
 * returns every issue found, each with a path, a message and a hint that says the fix.
 */
export function parseFabric(input: unknown, sourceName?: string): ParseFabricResult {
  // paths are relative to the document; a document that is not a mapping at all is named as the file's problem
  if (input === null || input === undefined || typeof input !== 'object' || Array.isArray(input)) {
    const what =
      input === null || input === undefined
        ? 'is empty'
        : `holds ${Array.isArray(input) ? 'a list' : `a ${typeof input}`}, not a fabric`;
    return {
      ok: false,
      issues: [
        {
          path: '(file)',
          message: `${sourceName !== undefined ? basename(sourceName) : 'the fabric'} ${what}`,
          hint: 'write a YAML/JSON mapping with name, sites and wanLinks (format: data/fabrics/README.md)',
        },
      ],
    };
  }
  const shape = FabricInputSchema.safeParse(input, { reportInput: true });
  if (!shape.success) {
    return { ok: false, issues: zodIssuesToInputIssues(shape.error) };
  }
  return resolveFabric(shape.data, loadCatalog());
}

function resolveFabric(input: FabricInput, catalog: Catalog): ParseFabricResult {
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

// ---------------------------------------------------------------------------------------------
// Files and presets

/** Preset ids: the names of data/fabrics/*.yaml, sorted. */
export function listFabricPresets(): string[] {
  return readdirSync(dataPath('fabrics'))
    .filter((f) => f.endsWith('.yaml'))
    .map((f) => f.slice(0, -'.yaml'.length))
    .sort();
}

function looksLikePath(s: string): boolean {
  return /[\\/]/.test(s) || /\.(ya?ml|json)$/i.test(s);
}

/** Parse YAML or JSON text into a fabric. Never throws on bad input. */
export function parseFabricText(text: string, sourceName = '(input)'): ParseFabricResult {
  let doc: unknown;
  try {
    doc = /\.json$/i.test(sourceName) ? JSON.parse(text) : YAML.parse(text);
  } catch (err) {
    const msg = err instanceof Error ? err.message.split('\n')[0] : String(err);
    return {
      ok: false,
      issues: [
        {
          path: '(file)',
          message: `${basename(sourceName)} is not valid ${/\.json$/i.test(sourceName) ? 'JSON' : 'YAML'}: ${msg}`,
          hint: 'fix the syntax at the position given',
        },
      ],
    };
  }
  return parseFabric(doc, sourceName);
}

/**
 * Load a fabric by preset id (data/fabrics/<id>.yaml) or from a .yaml/.yml/.json path.
 * Throws FabricInputError for bad input, a missing file or an unknown preset id.
 */
export async function loadFabric(idOrPath: string): Promise<Fabric> {
  let file: string;
  if (looksLikePath(idOrPath)) {
    file = idOrPath;
  } else {
    const presets = listFabricPresets();
    if (!presets.includes(idOrPath)) {
      throw new FabricInputError([
        {
          path: '(fabric)',
          message: `unknown fabric preset "${idOrPath}"`,
          hint: `use one of: ${presets.join(', ')}, or a path to a .yaml/.yml/.json file`,
        },
      ]);
    }
    file = dataPath('fabrics', `${idOrPath}.yaml`);
  }
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new FabricInputError(
      [
        {
          path: '(file)',
          message: `cannot read ${file}${code !== undefined ? ` (${code})` : ''}`,
          hint: `check the path, or use a preset id: ${listFabricPresets().join(', ')}`,
        },
      ],
      file,
    );
  }
  const ext = extname(file).toLowerCase();
  const result = parseFabricText(text, ext === '' ? `${file}.yaml` : file);
  if (!result.ok) throw new FabricInputError(result.issues, file);
  return result.fabric;
}
