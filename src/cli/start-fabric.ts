// The fabric of `superfactory start`: the fairwater preset (simulated by the twin) plus one site, `local`,
// that is this machine: jobs with a `command` run there for real (the local executor), so the demo both
// simulates the superfactory and runs a user's own commands. Built from the shipped preset at each start
// (never a copy in the repository that could drift from it) and written under .superfactory/.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import YAML from 'yaml';
import { dataPath } from '../data-dir.js';
import type { FabricInput, SiteInput } from '../fabric/schema.js';

/** The site id the demo's local executor drives. */
export const LOCAL_SITE_ID = 'local';

/**
 * This machine as a site. ASSUMPTION (stated, not measured): it stands in for one HGX H100 node, so each
 * of its 8 "GPUs" is a process slot here and the planner's figures for it are an H100 node's
 * (data/catalog/systems.json), not this machine's. It is drawn at the Atlanta site's coordinates and
 * jurisdiction (its real location is unknown to the program) so that tenants limited to the US may use it.
 * powerMW 0.1 is a placeholder cap above the DGX H100's ~10.2 kW (NVIDIA DGX H100 datasheet); pue 1.2 an
 * assumed ordinary server room. No WAN link: cross-site plans never use it.
 */
export function localSite(near: Pick<SiteInput, 'lat' | 'lon' | 'jurisdiction' | 'gridZone'>): SiteInput {
  return {
    id: LOCAL_SITE_ID,
    name: 'This machine (local executor, real commands)',
    lat: near.lat,
    lon: near.lon,
    jurisdiction: near.jurisdiction,
    powerMW: 0.1,
    pue: 1.2,
    gridZone: near.gridZone,
    pods: [{ id: 'local-node', system: 'hgx-h100', nodes: 1 }],
  };
}

/** The preset with the local site appended (pure: the caller reads and writes the files). */
export function withLocalSite(preset: FabricInput): FabricInput {
  if (preset.sites.some((s) => s.id === LOCAL_SITE_ID))
    throw new Error(`the preset already has a site "${LOCAL_SITE_ID}"`);
  return {
    ...preset,
    name: `${preset.name}+local`,
    description: `${preset.description ?? preset.name} Plus "${LOCAL_SITE_ID}": this machine, running real commands.`,
    sites: [...preset.sites, localSite(preset.sites[0])],
  };
}

/** Writes fairwater + local to `file` (JSON, which the fabric loader reads as YAML) and returns its path. */
export function writeStartFabric(file: string): string {
  const preset = YAML.parse(readFileSync(dataPath('fabrics', 'fairwater.yaml'), 'utf8')) as FabricInput;
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, `${JSON.stringify(withLocalSite(preset), null, 2)}\n`);
  return file;
}
