// Where the repository and its data are. Grid series ship in data/grid (src/data-dir.ts); a shared/ folder
// beside the repo (or SUPERFACTORY_SHARED_DIR) is only read by tests that want files the product does not ship.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gridDataPath } from '../data-dir.js';

let root: string | undefined;

/** The repository root: the nearest folder above this file with the superfactory package.json. */
export function repoRoot(): string {
  if (root) return root;
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 8; i++) {
    const pj = path.join(dir, 'package.json');
    if (existsSync(pj)) {
      try {
        if ((JSON.parse(readFileSync(pj, 'utf8')) as { name?: string }).name === 'superfactory') return (root = dir);
      } catch {
        /* keep looking */
      }
    }
    dir = path.dirname(dir);
  }
  return (root = process.cwd());
}

/** The shared folder (not checked for existence; see requireSharedDir). */
export function sharedDir(): string {
  return process.env.SUPERFACTORY_SHARED_DIR ?? path.resolve(repoRoot(), '..', 'shared');
}

export class SharedDataMissingError extends Error {}

/**
 * A grid-series file (carbon/..., prices/...): the copy shipped in data/grid (or the user's SUPERFACTORY_DATA_DIR,
 * see src/data-dir.ts); a SUPERFACTORY_SHARED_DIR set explicitly still points at a shared/ checkout's data/.
 * A clear error when the file is absent.
 */
export function sharedDataPath(...parts: string[]): string {
  const legacy = process.env.SUPERFACTORY_SHARED_DIR;
  const file = legacy ? path.join(legacy, 'data', ...parts) : gridDataPath(...parts);
  if (!existsSync(file)) {
    throw new SharedDataMissingError(
      `grid data file not found at ${file}: the project ships it under data/grid/ (reinstall or restore it), or put your own under $SUPERFACTORY_DATA_DIR/grid/`,
    );
  }
  return file;
}
