// Where the repository and the shared data folder are. Shared data sits beside the repo
// (../shared), or wherever SUPERFACTORY_SHARED_DIR points.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

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

/** A path under the shared data folder, or a clear error when the folder is absent. */
export function sharedDataPath(...parts: string[]): string {
  const dir = sharedDir();
  if (!existsSync(dir)) {
    throw new SharedDataMissingError(
      `shared data folder not found at ${dir}: clone the shared/ folder beside the repository, or set SUPERFACTORY_SHARED_DIR to its path`,
    );
  }
  return path.join(dir, 'data', ...parts);
}
