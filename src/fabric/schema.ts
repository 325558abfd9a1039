// Input schemas (zod 4) for fabric files and the hardware catalog. Shape only: cross-field checks
// (unknown systems, WAN physics, power caps) live in load.ts so that each issue gets a precise path.
import { z } from 'zod';

/** ISO 3166-1 alpha-2 country, optionally with an ISO 3166-2 subdivision: `US-GA`, `IE`, `GB-ENG`. */
export const JURISDICTION_RE = /^[A-Z]{2}(-[A-Z0-9]{1,3})?$/;
/** Ids of sites, pods and links: letters, digits, `-`, `_`, `.`; must start with a letter or digit. */
export const ID_RE = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;

const id = z.string().regex(ID_RE);

export const TopologySchema = z.enum(['fat-tree-2', 'fat-tree-3']);
export const TransportSchema = z.enum(['roce', 'infiniband', 'efa']);
/** How flows use the paths above the leaf: per-flow hashing, switch adaptive routing, or NIC packet spraying (MRC). */
export const LoadBalancingSchema = z.enum(['adaptive', 'ecmp', 'spray']);

export const NetworkInputSchema = z.strictObject({
  topology: TopologySchema.optional(),
  railOptimized: z.boolean().optional(),
  nicGbpsPerGpu: z.number().positive().optional(),
  /** Ratio per tier above the leaf: `[1]` for a two-tier full-bisection tree, `[1, 7]` for Meta's 3-tier. */
  oversubscription: z.array(z.number().min(1)).min(1).max(2).optional(),
  fullBisectionGpus: z.number().int().positive().optional(),
  hopLatencyUs: z.number().positive().optional(),
  transport: TransportSchema.optional(),
  loadBalancing: LoadBalancingSchema.optional(),
});

/** A torus pod's slice shape: chips per dimension, e.g. `dims: [12, 16, 16]` (each a multiple of the OCS block). */
export const TorusInputSchema = z.strictObject({
  dims: z.array(z.number().int().positive()).length(3),
});

export const PodInputSchema = z.strictObject({
  id: id.optional(),
  system: z.string().min(1),
  racks: z.number().int().positive().optional(),
  nodes: z.number().int().positive().optional(),
  network: NetworkInputSchema.optional(),
  torus: TorusInputSchema.optional(),
});

export const SiteInputSchema = z.strictObject({
  id,
  name: z.string().min(1),
  lat: z.number().min(-90).max(90),
  lon: z.number().min(-180).max(180),
  jurisdiction: z.string().regex(JURISDICTION_RE),
  powerMW: z.number().positive(),
  pue: z.number().min(1),
  wueLPerKWh: z.number().nonnegative().optional(),
  gridZone: z.string().min(1),
  checkpointStorageGBps: z.number().positive().optional(),
  pods: z.array(PodInputSchema).min(1),
});

export const WanLinkInputSchema = z.strictObject({
  id: id.optional(),
  a: z.string().min(1),
  b: z.string().min(1),
  routeKm: z.number().positive(),
  capacityGbps: z.number().positive(),
  /** One-way latency, ms. Optional: computed from routeKm when absent, checked against physics when given. */
  latencyMs: z.number().positive().optional(),
  equipmentLatencyMs: z.number().nonnegative().optional(),
});

export const FabricInputSchema = z.strictObject({
  name: z.string().min(1),
  description: z.string().optional(),
  sites: z.array(SiteInputSchema).min(1),
  wanLinks: z.array(WanLinkInputSchema).optional(),
});

export type NetworkInput = z.infer<typeof NetworkInputSchema>;
export type PodInput = z.infer<typeof PodInputSchema>;
export type SiteInput = z.infer<typeof SiteInputSchema>;
export type WanLinkInput = z.infer<typeof WanLinkInputSchema>;
export type FabricInput = z.infer<typeof FabricInputSchema>;

/** Hints for shape errors, keyed by the field name (last path segment). */
export const FIELD_HINTS: Record<string, string> = {
  name: 'give a non-empty name',
  sites: 'list at least one site: sites: [ { id, name, lat, lon, jurisdiction, powerMW, pue, gridZone, pods } ]',
  id: 'use letters, digits, "-", "_" or "." and start with a letter or digit, e.g. atl',
  lat: 'latitude in decimal degrees, -90..90 (north positive), e.g. 33.45',
  lon: 'longitude in decimal degrees, -180..180 (east positive), e.g. -84.45',
  jurisdiction: 'use an ISO 3166-2 code such as US-GA, or an ISO 3166-1 country code such as IE',
  powerMW: 'facility power capacity in MW, a positive number, e.g. 300',
  pue: 'power usage effectiveness = facility power / IT power, at least 1.0 (1.1-1.2 is typical for liquid-cooled AI halls)',
  wueLPerKWh: 'water usage effectiveness in litres per kWh, 0 or more (default 0.3)',
  gridZone: 'grid balancing authority or zone id, e.g. SOCO, MISO, ERCO',
  checkpointStorageGBps: 'checkpoint storage bandwidth in GB/s, a positive number',
  pods: 'list at least one pod: pods: [ { system: gb200-nvl72, racks: 100 } ]',
  system: 'a system id from data/catalog/systems.json',
  racks: 'a positive whole number of racks (rack-scale systems such as gb200-nvl72)',
  nodes: 'a positive whole number of nodes (HGX/DGX systems)',
  network:
    'network: { topology, railOptimized, nicGbpsPerGpu, oversubscription, hopLatencyUs, transport, loadBalancing }',
  torus: 'torus: { dims: [x, y, z] } for torus-connected systems (TPU), e.g. dims: [12, 16, 16]',
  dims: 'three whole numbers of chips per dimension, each a multiple of the OCS block (4), e.g. [12, 16, 16]',
  topology: 'use fat-tree-2 or fat-tree-3',
  railOptimized: 'true or false',
  nicGbpsPerGpu: 'per-GPU NIC rate in Gb/s, e.g. 400 or 800',
  oversubscription: 'one ratio (>= 1) per tier above the leaf: [1] for fat-tree-2, [1, 7] for fat-tree-3',
  fullBisectionGpus: 'GPUs under one full-bisection group, a positive whole number',
  hopLatencyUs: 'per-switch-hop latency in microseconds, e.g. 1',
  transport: 'use roce, infiniband or efa (AWS Elastic Fabric Adapter)',
  loadBalancing:
    'use adaptive (switch adaptive routing, default), ecmp (per-flow hashing) or spray (multi-path packet spraying)',
  wanLinks: 'wanLinks: [ { a: siteId, b: siteId, routeKm, capacityGbps } ]',
  a: 'the id of one of the sites',
  b: 'the id of one of the sites',
  routeKm: 'fiber route length in km, a positive number (at least the great-circle distance)',
  capacityGbps: 'link capacity in Gb/s, a positive number, e.g. 100000 for 100 Tb/s',
  latencyMs: 'one-way latency in ms; leave it out to compute it from routeKm',
  equipmentLatencyMs: 'one-way equipment latency in ms, 0 or more (default 0.1)',
  description: 'a string',
};

// ---------------------------------------------------------------------------------------------
// Hardware catalog files (data/catalog/*.json). Every figure carries its source.

const figure = <T extends z.ZodType>(value: T) =>
  z.strictObject({ value, source: z.string().min(1), assumption: z.string().min(1).optional() });

export const CatalogGpuSchema = z.strictObject({
  id,
  name: z.string().min(1),
  vendor: z.string().min(1),
  source: z.string().min(1),
  bf16DenseTflops: figure(z.number().positive()),
  fp8DenseTflops: figure(z.number().positive().nullable()),
  hbmGB: figure(z.number().positive()),
  hbmTBps: figure(z.number().positive()),
  tdpW: figure(z.number().positive()),
});

export const CatalogSystemSchema = z.strictObject({
  id,
  aliases: z.array(id).optional(),
  name: z.string().min(1),
  gpuId: z.string().min(1),
  source: z.string().min(1),
  defaultTransport: TransportSchema,
  gpusPerNode: figure(z.number().int().positive()),
  gpusPerRack: figure(z.number().int().positive()).optional(),
  scaleUpDomainGpus: figure(z.number().int().positive()),
  scaleUpGBpsPerDirection: figure(z.number().positive()),
  scaleUpLatencyUs: figure(z.number().positive()),
  defaultNicGbpsPerGpu: figure(z.number().positive()),
  systemPowerPerGpuW: figure(z.number().positive()),
  /** Torus-connected systems (TPU): ICI links per chip and the OCS block (cube) shape. */
  torus: z
    .strictObject({
      linksPerChip: figure(z.number().int().positive()),
      ocsBlockDims: figure(z.array(z.number().int().positive()).length(3)).optional(),
      fixedDims: figure(z.array(z.number().int().positive()).length(3)).optional(),
      dimLinkGBpsPerDirection: figure(z.array(z.number().positive()).length(3)).optional(),
    })
    .optional(),
});

export const CatalogGpuFileSchema = z.object({ gpus: z.array(CatalogGpuSchema).min(1) });
export const CatalogSystemFileSchema = z.object({ systems: z.array(CatalogSystemSchema).min(1) });
/** data/catalog/achievable.json: per GPU id, the measured ceilings (each figure's source string sits beside it). */
export const CatalogAchievableFileSchema = z.object({
  gpus: z.record(
    z.string(),
    z.object({
      mamfFraction: z.number().positive().max(1),
      sustainedMatmulFraction: z.number().positive().max(1),
      flashAttentionFraction: z.number().positive().max(1),
      flash3AttentionFraction: z.number().positive().max(1),
      deviceMemoryGiB: z.number().positive().nullable(),
      hostLinkGBps: z.number().positive(),
      memoryReserveGiB: z.number().nonnegative().optional(),
      xlaBufferPlan: z.boolean().optional(),
    }),
  ),
});

export type CatalogGpu = z.infer<typeof CatalogGpuSchema>;
export type CatalogSystem = z.infer<typeof CatalogSystemSchema>;
