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

/**
 * undefined: not a torus system and no torus given; null: an issue was recorded; else the pod's torus. A torus system
 * needs `torus.dims`; their product is the pod's chips and each is a multiple of the system's OCS block.
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
  const block = t.ocsBlockDims;
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
  return {
    dims: [...dims],
    ocsBlockDims: [...block],
    blocks: product / (block[0] * block[1] * block[2]),
    linkGBpsPerDirection: system.scaleUpGBpsPerDirection / t.linksPerChip,
  };
}
