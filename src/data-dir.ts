// Locate the project's data/ folder from wherever this module runs: src/ under tsx or vitest,
// dist/src/ when compiled, or node_modules/superfactory/ when installed as a dependency.
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

/**
 * Absolute path of a file or folder under data/. Set SUPERFACTORY_DATA_DIR to use another data folder.
 * Example: dataPath('fabrics', 'fairwater.yaml').
 */
export function dataPath(...parts: string[]): string {
  const override = process.env.SUPERFACTORY_DATA_DIR;
  const base = override !== undefined && override !== '' ? override : join(projectRoot(), 'data');
  return join(base, ...parts);
}
