// `superfactory fabric validate` and `superfactory fabric show`. Bad input prints each issue on
// stderr as `error: path: message (fix: hint)` and returns exit code 2; other errors are bugs and throw.
import { FabricInputError, formatIssue, loadFabric } from '../fabric/load.js';
import { formatFabricSummary, summarizeFabric } from '../fabric/summary.js';
import type { Fabric } from '../fabric/types.js';

export const EXIT_BAD_INPUT = 2;

async function loadOrReport(idOrFile: string): Promise<Fabric | undefined> {
  try {
    return await loadFabric(idOrFile);
  } catch (err) {
    if (err instanceof FabricInputError) {
      for (const issue of err.issues) process.stderr.write(`error: ${formatIssue(issue)}\n`);
      process.stderr.write(
        `invalid fabric ${idOrFile}: ${err.issues.length} issue${err.issues.length === 1 ? '' : 's'}\n`,
      );
      return undefined;
    }
    throw err;
  }
}

/** Validate a fabric file or preset id. Prints `ok: NAME, N sites, M GPUs`; returns 0, or 2 on bad input. */
export async function runFabricValidate(fileOrId: string): Promise<number> {
  const fabric = await loadOrReport(fileOrId);
  if (fabric === undefined) return EXIT_BAD_INPUT;
  const n = fabric.sites.length;
  process.stdout.write(`ok: ${fabric.name}, ${n} site${n === 1 ? '' : 's'}, ${fabric.gpus} GPUs\n`);
  return 0;
}

/** Print a fabric's summary (table, or the FabricSummary object as JSON). Returns 0, or 2 on bad input. */
export async function runFabricShow(idOrFile: string, json: boolean): Promise<number> {
  const fabric = await loadOrReport(idOrFile);
  if (fabric === undefined) return EXIT_BAD_INPUT;
  const summary = summarizeFabric(fabric);
  process.stdout.write(json ? `${JSON.stringify(summary, null, 2)}\n` : `${formatFabricSummary(summary)}\n`);
  return 0;
}
