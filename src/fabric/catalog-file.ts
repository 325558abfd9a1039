// The hardware catalog (data/catalog/{gpus,systems,achievable}.json), read and validated once, and the
// fabric's wording of zod shape errors (shared by catalog and fabric files).
import { readFileSync } from 'node:fs';
import type { z } from 'zod';
import { formatIssue, zodIssues } from '../core/issues.js';
import { dataPath } from '../data-dir.js';
import {
  CatalogAchievableFileSchema,
  CatalogGpuFileSchema,
  CatalogSystemFileSchema,
  CatalogSystemSchema,
  FIELD_HINTS,
} from './schema.js';
import type { AchievableCeilings, GpuSpec, InputIssue, SystemSpec, SystemTorus } from './types.js';

export interface Catalog {
  gpus: Map<string, GpuSpec>;
  /** Keyed by system id and by each alias (an alias maps to the same object). */
  systems: Map<string, SystemSpec>;
}

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
    if (s.torus !== undefined) spec.torus = catalogTorus(s.id, s.torus);
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

/** A system's torus figures: OCS blocks (TPU) or one fixed shape per scale-up domain (Trainium2), not both. */
function catalogTorus(id: string, t: NonNullable<z.infer<typeof CatalogSystemSchema>['torus']>): SystemTorus {
  if ((t.ocsBlockDims === undefined) === (t.fixedDims === undefined))
    throw new Error(`catalog bug: system ${id}'s torus needs exactly one of ocsBlockDims and fixedDims`);
  return {
    linksPerChip: t.linksPerChip.value,
    ...(t.ocsBlockDims && { ocsBlockDims: [...t.ocsBlockDims.value] }),
    ...(t.fixedDims && { fixedDims: [...t.fixedDims.value] }),
    ...(t.dimLinkGBpsPerDirection && { dimLinkGBpsPerDirection: [...t.dimLinkGBpsPerDirection.value] }),
  };
}

/** Only the figures (the file's *Source strings stay in the file), so a GPU object stays small. */
function pickAchievable(a: z.infer<typeof CatalogAchievableFileSchema>['gpus'][string]): AchievableCeilings {
  const { mamfFraction, sustainedMatmulFraction, flashAttentionFraction, flash3AttentionFraction } = a;
  const { deviceMemoryGiB, hostLinkGBps, memoryReserveGiB, xlaBufferPlan } = a;
  return {
    mamfFraction,
    sustainedMatmulFraction,
    flashAttentionFraction,
    flash3AttentionFraction,
    deviceMemoryGiB,
    hostLinkGBps,
    ...(memoryReserveGiB !== undefined && { memoryReserveGiB }),
    ...(xlaBufferPlan === true && { xlaBufferPlan }),
  };
}

function readCatalogFile<T extends z.ZodType>(file: string, schema: T): z.infer<T> {
  const path = dataPath('catalog', file);
  const parsed = schema.safeParse(JSON.parse(readFileSync(path, 'utf8')));
  if (!parsed.success) {
    const issues = fabricZodIssues(parsed.error);
    throw new Error(`catalog bug in ${path}:\n${issues.map((i) => `  ${formatIssue(i)}`).join('\n')}`);
  }
  return parsed.data;
}

/** Primary system ids (no aliases), sorted. */
export function knownSystemIds(catalog: Catalog): string[] {
  return [...new Set([...catalog.systems.values()].map((s) => s.id))].sort();
}

/** Shape errors of a fabric or catalog file, in the fabric's words (hints by field, docs for unknown keys). */
export function fabricZodIssues(error: Parameters<typeof zodIssues>[0]): InputIssue[] {
  return zodIssues(error, {
    hints: FIELD_HINTS,
    friendly: true,
    defaultHint: 'see data/fabrics/README.md for the format',
    unknownKeysHint: (keys) =>
      `remove or rename ${keys.join(', ')} (check the spelling; see data/fabrics/README.md for the fields)`,
  });
}
