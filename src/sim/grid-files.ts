// The edge adapter for grid series: reads a zone's 2022 files (data/grid, or SUPERFACTORY_DATA_DIR's) once and
// returns them parsed. Only the edge (the CLI, the control plane, benches) imports this file; the simulator
// never does: it is handed its series (SimulateOptions.grid), so it reads no files.
import { readFileSync } from 'node:fs';
import { gridSeriesFromCsv, gridZoneFiles, type GridSeries } from './grid.js';
import { sharedDataPath } from './paths.js';

const cache = new Map<string, GridSeries>();

/** Load (once per process) the 2022 hourly series for a grid zone. */
export function loadGridSeries(zone: string): GridSeries {
  const hit = cache.get(zone);
  if (hit) return hit;
  const files = gridZoneFiles(zone);
  const s = gridSeriesFromCsv(
    files,
    readFileSync(sharedDataPath(...files.carbonFile), 'utf8'),
    readFileSync(sharedDataPath(...files.priceFile), 'utf8'),
  );
  cache.set(zone, s);
  return s;
}

/** The series of every grid zone of some sites (a fabric's), keyed by zone: what `simulate({ grid })` takes. */
export function loadGridFor(sites: readonly { gridZone: string }[]): Record<string, GridSeries> {
  const out: Record<string, GridSeries> = {};
  for (const s of sites) out[s.gridZone] ??= loadGridSeries(s.gridZone);
  return out;
}
