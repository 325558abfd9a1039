// The map's base layer: the US states (us-atlas, pre-projected to Albers USA in a 975x610 frame) when every site
// lies in the US, else the world atlas (loaded on demand) on Natural Earth fitted to the frame.
import { geoAlbersUsa, geoNaturalEarth1, geoPath, type GeoProjection } from 'd3-geo';
import { feature, mesh } from 'topojson-client';
import type { Topology } from 'topojson-specification';
import usStates from 'us-atlas/states-albers-10m.json';
import type { Fabric, FabricSite } from '../api';
import { mount, svg } from '../dom';

// the frame us-atlas's *-albers-10m files are projected into
export const W = 975;
export const H = 610;

export interface Geo {
  projection: GeoProjection;
  world: boolean;
}

/** Draws the land and borders into `base`; returns the projection the sites and links are drawn with. */
export async function drawBasemap(fabric: Fabric, base: SVGGElement): Promise<Geo> {
  // the projection us-atlas used for its albers files (see its README)
  const us = geoAlbersUsa().scale(1300).translate([487.5, 305]);
  const outside = fabric.sites.some((s) => us([s.lon, s.lat]) === null);
  if (!outside) {
    // already projected: an identity path is all it takes (no per-point projection work at load)
    const states = feature(usStates, usStates.objects.states);
    const path = geoPath();
    mount(
      base,
      svg('path', { class: 'land', d: path(states) ?? '' }),
      svg('path', {
        class: 'borders',
        d: path(mesh(usStates, usStates.objects.states as never, (a, b) => a !== b)) ?? '',
      }),
    );
    return { projection: us, world: false };
  }
  const world = (await import('world-atlas/countries-110m.json')).default as Topology;
  const countries = feature(world, world.objects.countries);
  const p = geoNaturalEarth1().fitExtent(
    [
      [10, 10],
      [W - 10, H - 10],
    ],
    countries,
  );
  const path = geoPath(p);
  mount(
    base,
    svg('path', { class: 'land', d: path(countries) ?? '' }),
    svg('path', {
      class: 'borders',
      d: path(mesh(world, world.objects.countries as never, (a, b) => a !== b)) ?? '',
    }),
  );
  return { projection: p, world: true };
}

/** A site's place in the frame (the middle when the projection has none for it). */
export function xy(geo: Geo | null, s: FabricSite): [number, number] {
  return (geo?.projection([s.lon, s.lat]) as [number, number] | null) ?? [W / 2, H / 2];
}
