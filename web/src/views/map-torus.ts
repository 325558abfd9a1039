// Torus pods on a site card (TPU slices): the slice shape, its OCS-joined cubes drawn as a small grid (one square per
// cube of the first two dimensions, the third as layers), and the ICI bandwidth per link. Empty for switched systems.
import type { FabricSite } from '../api';
import { h, svg } from '../dom';
import { fixed } from '../format';

type Pod = FabricSite['pods'][number];

/** One line per torus pod, e.g. "palm-pod-a: 12×16×16 torus, 48 OCS-joined 4×4×4 cubes, ICI 44.8 GB/s per link". */
export function torusLine(p: Pod): string | null {
  const t = p.torus;
  if (!t) return null;
  if (t.ocsBlockDims.length === 0)
    return `${p.id}: ${t.blocks} × ${t.dims.join('×')} torus (no OCS), ${t.dimLinkGBpsPerDirection.map((g) => fixed(g, 0)).join('/')} GB/s per link`;
  return `${p.id}: ${t.dims.join('×')} torus, ${t.blocks} OCS-joined ${t.ocsBlockDims.join('×')} cubes, ICI ${fixed(t.linkGBpsPerDirection, 1)} GB/s per link`;
}

/** The slice's cubes as a grid: dims[0]/b x dims[1]/b squares, dims[2]/b layers written beside it. */
function cubeGrid(p: Pod): SVGSVGElement | null {
  const t = p.torus;
  if (!t || t.ocsBlockDims.length === 0) return null;
  const nx = t.dims[0] / t.ocsBlockDims[0];
  const ny = t.dims[1] / t.ocsBlockDims[1];
  const layers = t.dims[2] / t.ocsBlockDims[2];
  const cell = 8;
  const squares = [];
  for (let i = 0; i < nx; i++)
    for (let j = 0; j < ny; j++)
      squares.push(
        svg('rect', {
          x: i * cell + 1,
          y: j * cell + 1,
          width: cell - 2,
          height: cell - 2,
          class: 'cube',
          fill: '#0f766e',
        }),
      );
  return svg(
    'svg',
    { class: 'torus-grid', width: nx * cell + 40, height: ny * cell, role: 'img', 'aria-label': torusLine(p) ?? '' },
    ...squares,
    svg('text', { x: nx * cell + 4, y: Math.min(ny * cell, 12), 'font-size': 11, fill: '#64748b' }, `× ${layers}`),
  );
}

/** The card's torus block, or null when the site has no torus pod. */
export function torusFacts(site: FabricSite): HTMLElement | null {
  const pods = site.pods.filter((p) => p.torus);
  if (pods.length === 0) return null;
  return h(
    'div',
    { class: 'torus', 'data-role': 'torus' },
    ...pods.map((p) => h('p', { class: 'muted' }, cubeGrid(p), ' ', torusLine(p) ?? '')),
  );
}
