// Locate the project's data/ folder from wherever this module runs: src/ under tsx or vitest,
// dist/src/ when compiled, or node_modules/superfactory/ when installed as a dependency.
// Everything the product reads by default ships in data/ (fabrics, catalog, models, grid series, traces),
// so a clone or an install works with nothing beside it; SUPERFACTORY_DATA_DIR layers a user's own data on top.
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

let cachedRoot: string | undefined;

/** The nearest directory at or above this module that holds a package.json. */
export function projectRoot(): string {
  if (cachedRoot !== undefined) return cachedRoot;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(join(dir, 'package.json'))) {
      cachedRoot = dir;
      return dir;
    }
    const parent = dirname(dir);
    if (parent === dir) {
      throw new Error(`superfactory: no package.json found above ${fileURLToPath(import.meta.url)}`);
    }
    dir = parent;
  }
}

/** The user's data folder from SUPERFACTORY_DATA_DIR, or undefined when unset. */
export function userDataDir(): string | undefined {
  const override = process.env.SUPERFACTORY_DATA_DIR;
  return override !== undefined && override !== '' ? override : undefined;
}

/** Absolute path under the project's own (shipped) data/ folder, ignoring SUPERFACTORY_DATA_DIR. */
export function bundledDataPath(...parts: string[]): string {
  return join(projectRoot(), 'data', ...parts);
}

/**
 * Absolute path of a file or folder under data/. With SUPERFACTORY_DATA_DIR set, the path there wins when it
 * exists; otherwise the shipped file is used, so a user's folder need only hold what it adds or replaces.
 * When neither exists the user's path is returned, so the "not found" error names the folder they chose.
 * Example: dataPath('fabrics', 'fairwater.yaml').
 */
export function dataPath(...parts: string[]): string {
  const user = userDataDir();
  if (user === undefined) return bundledDataPath(...parts);
  const mine = join(user, ...parts);
  if (existsSync(mine)) return mine;
  const shipped = bundledDataPath(...parts);
  return existsSync(shipped) ? shipped : mine;
}

/**
 * Hourly grid series (carbon intensity, electricity price) under data/grid/, laid out as
 * carbon/<dataset>/<file> and prices/<dataset>/<file> (see data/grid/README.md for sources and licences).
 */
export function gridDataPath(...parts: string[]): string {
  return dataPath('grid', ...parts);
}

/** Job traces shipped under data/traces/ (see data/traces/README.md), e.g. traceDataPath('philly_pollux.csv'). */
export function traceDataPath(...parts: string[]): string {
  return dataPath('traces', ...parts);
}
