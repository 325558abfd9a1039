// A torus pod's slice shape (TPU v4/v5p): chips per dimension, built from whole OCS blocks, matching the pod's chips.
// Pure; problems go to `issues` with the field and a shape that would fit.
import type { TorusInputSchema } from './schema.js';
import type { InputIssue, PodTorus, SystemSpec } from './types.js';
import type { z } from 'zod';

/** A near-cubic slice of `chips` chips from whole blocks, for the hint (largest dimension last). */
function suggestDims(chips: number, block: readonly number[]): number[] | undefined {
  const blocks = chips / (block[0] * block[1] * block[2]);
  if (!Number.isInteger(blocks)) return undefined;
  let best: number[] | undefined;
  for (let a = 1; a <= blocks; a++)
    for (let b = a; a * b <= blocks; b++) {
      const c = blocks / (a * b);
      if (!Number.isInteger(c) || c < b) continue;
      const dims = [a * block[0], b * block[1], c * block[2]];
      if (!best || Math.max(...dims) < Math.max(...best)) best = dims;
    }
  return best;
}

/** Per-dimension link bandwidth: the catalog's, else the per-chip scale-up bandwidth over the links. */
function dimLinks(system: SystemSpec): number[] {
  const t = system.torus!;
  return t.dimLinkGBpsPerDirection ?? [0, 1, 2].map(() => system.scaleUpGBpsPerDirection / t.linksPerChip);
}

/** A fixed-shape system (Trainium2 UltraServer): every scale-up domain is one torus; a given torus must match it. */
function fixedTorus(
  ti: z.infer<typeof TorusInputSchema> | undefined,
  system: SystemSpec,
  fixed: number[],
  chips: number,
  pp: string,
  issues: InputIssue[],
): PodTorus | null {
  if (ti !== undefined && ti.dims.some((d, i) => d !== fixed[i])) {
    issues.push({
      path: `${pp}.torus.dims`,
      message: `${system.id} has a fixed ${fixed.join('x')} torus per scale-up domain, not ${ti.dims.join('x')}`,
      hint: `remove torus (it is implied) or use dims: [${fixed.join(', ')}]`,
    });
    return null;
  }
  const domain = fixed[0] * fixed[1] * fixed[2];
  const links = dimLinks(system);
  return {
    dims: [...fixed],
    ocsBlockDims: [],
    blocks: chips / domain,
    domainChips: domain,
    linkGBpsPerDirection: links.reduce((a, b) => a + b, 0) / links.length,
    dimLinkGBpsPerDirection: links,
  };
}

/**
 * undefined: not a torus system and no torus given; null: an issue was recorded; else the pod's torus. A TPU-like
 * system needs `torus.dims`: their product is the pod's chips and each is a multiple of the system's OCS block; a
 * fixed-shape system (Trainium2) implies its torus.
 */
export function resolveTorus(
  ti: z.infer<typeof TorusInputSchema> | undefined,
  system: SystemSpec,
  chips: number,
  pp: string,
  issues: InputIssue[],
): PodTorus | undefined | null {
  const t = system.torus;
  if (t === undefined) {
    if (ti === undefined) return undefined;
    issues.push({
      path: `${pp}.torus`,
      message: `${system.id} is not torus-connected (its scale-up domain is switched)`,
      hint: 'remove torus, or use a torus system such as tpu-v4-pod or tpu-v5p-pod',
    });
    return null;
  }
  if (t.fixedDims !== undefined) return fixedTorus(ti, system, t.fixedDims, chips, pp, issues);
  const block = t.ocsBlockDims!;
  const suggestion = suggestDims(chips, block);
  const shape = suggestion
    ? `e.g. dims: [${suggestion.join(', ')}]`
    : `size the pod in whole ${block.join('x')} blocks`;
  if (ti === undefined) {
    issues.push({
      path: `${pp}.torus`,
      message: `missing required field "torus" for torus-connected system ${system.id}`,
      hint: `give the slice shape: torus: { dims: [x, y, z] } with x*y*z = ${chips} chips, ${shape}`,
    });
    return null;
  }
  const dims = ti.dims;
  const bad = dims.findIndex((d, i) => d % block[i] !== 0);
  if (bad >= 0) {
    issues.push({
      path: `${pp}.torus.dims[${bad}]`,
      message: `${dims[bad]} chips is not a whole number of ${block[bad]}-chip OCS blocks along dimension ${bad}`,
      hint: `use multiples of ${block[bad]}; ${shape}`,
    });
    return null;
  }
  const product = dims[0] * dims[1] * dims[2];
  if (product !== chips) {
    issues.push({
      path: `${pp}.torus.dims`,
      message: `torus ${dims.join('x')} holds ${product} chips but the pod has ${chips}`,
      hint: `make x*y*z = ${chips}, ${shape}`,
    });
    return null;
  }
  const links = dimLinks(system);
  return {
    dims: [...dims],
    ocsBlockDims: [...block],
    blocks: product / (block[0] * block[1] * block[2]),
    domainChips: product,
    linkGBpsPerDirection: links.reduce((a, b) => a + b, 0) / links.length,
    dimLinkGBpsPerDirection: links,
  };
}
