// The edge of the fabric module: read fabric files and the hardware catalog, validate them once,
// and return resolved plain objects. Bad input comes back as a list of {path, message, hint}.
import { readdirSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { basename, extname } from 'node:path';
import YAML from 'yaml';
import { formatIssue, formatPath } from '../core/issues.js';
import { dataPath } from '../data-dir.js';
import { FabricInputSchema } from './schema.js';
import type { Fabric, InputIssue } from './types.js';
import { fabricZodIssues, loadCatalog } from './catalog-file.js';
import { resolveFabric, type ParseFabricResult } from './resolve.js';

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

/** The catalog and the result type live beside their code; re-exported for the fabric's callers. */
export { loadCatalog, type Catalog } from './catalog-file.js';
export type { ParseFabricResult } from './resolve.js';

// ---------------------------------------------------------------------------------------------
// parseFabric

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
    return { ok: false, issues: fabricZodIssues(shape.error) };
  }
  return resolveFabric(shape.data, loadCatalog());
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
