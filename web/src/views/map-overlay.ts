// What the map draws over its base layer: WAN links (width by capacity, colour by live utilization), the sites
// (circle by GPU count, state), and the WAN link table beside the map. Pure renderers: data in, elements out.
import { geoPath } from 'd3-geo';
import type { Fabric, SiteStatus, Telemetry } from '../api';
import { h, svg } from '../dom';
import { fixed, gbps, int, pct } from '../format';
import { siteState } from '../state';
import { W, xy, type Geo } from './map-geo';

type LinkTelemetry = Telemetry['wanLinks'][number];

function utilColor(u: number): string {
  if (u >= 0.85) return '#c2410c';
  if (u >= 0.5) return '#d97706';
  if (u > 0) return '#0f766e';
  return '#64748b';
}

/** One group per WAN link: its capacity halo, its use, its id and a label (capacity, use, latency). */
export function linkShapes(fabric: Fabric, geo: Geo, tel: Map<string, LinkTelemetry>): (SVGElement | null)[] {
  const path = geoPath(geo.projection);
  const maxCap = Math.max(1, ...fabric.wanLinks.map((l) => l.capacityGbps));
  return fabric.wanLinks.map((l) => {
    const a = fabric.sites.find((s) => s.id === l.a);
    const b = fabric.sites.find((s) => s.id === l.b);
    if (!a || !b) return null;
    const t = tel.get(l.id);
    const u = t?.utilization ?? 0;
    const width = 3 + 10 * Math.sqrt(l.capacityGbps / maxCap);
    const d =
      path({
        type: 'LineString',
        coordinates: [
          [a.lon, a.lat],
          [b.lon, b.lat],
        ],
      }) ?? '';
    const [ax, ay] = xy(geo, a);
    const [bx, by] = xy(geo, b);
    const measured = t?.measuredGbps ?? null;
    const label = `${gbps(l.capacityGbps)} · ${pct(u, u > 0 && u < 0.01 ? 1 : 0)} used · ${fixed(l.latencyMs, 1)} ms`;
    return svg(
      'g',
      {
        class: 'link',
        'data-link': l.id,
        'data-utilization': u.toFixed(4),
        ...(measured !== null ? { 'data-measured-gbps': String(measured) } : {}),
      },
      svg(
        'title',
        null,
        `WAN link ${l.id}: ${a.id}–${b.id}, ${gbps(l.capacityGbps)} capacity, ${t ? `${gbps(t.usedGbps)} planned use by ${t.jobs} job(s)${measured !== null ? `, ${gbps(measured)} measured by their trainers` : ''}` : 'no live data'}, ${fixed(l.latencyMs, 2)} ms one way, ${int(l.routeKm)} km route`,
      ),
      svg('path', { d, class: 'link-cap', 'stroke-width': width + 4 }),
      svg('path', { d, class: 'link-use', stroke: utilColor(u), 'stroke-width': width }),
      svg('text', { x: (ax + bx) / 2 + 16, y: (ay + by) / 2, class: 'link-label' }, l.id),
      svg('text', { x: (ax + bx) / 2 + 16, y: (ay + by) / 2 + 19, class: 'link-label small' }, label),
      measured !== null
        ? svg(
            'text',
            { x: (ax + bx) / 2 + 16, y: (ay + by) / 2 + 38, class: 'link-label small', 'data-role': 'measured' },
            `measured ${gbps(measured)}`,
          )
        : null,
    );
  });
}

/** One marker per site: a circle sized by its GPUs, its id and state beside it (left of it near the right edge). */
export function siteMarkers(fabric: Fabric, geo: Geo, status: Map<string, SiteStatus>): SVGElement[] {
  const maxGpus = Math.max(1, ...fabric.sites.map((s) => s.gpus));
  return fabric.sites.map((s) => {
    const [x, y] = xy(geo, s);
    const st = siteState(status.get(s.id));
    const r = 10 + 13 * Math.sqrt(s.gpus / maxGpus);
    const left = x > W * 0.75;
    return svg(
      'g',
      {
        class: `site ${st}`,
        'data-site': s.id,
        'data-state': st,
        transform: `translate(${x.toFixed(1)},${y.toFixed(1)})`,
      },
      svg('title', null, `${s.name}: ${st}, ${int(s.gpus)} GPUs`),
      svg('circle', { r }),
      svg(
        'text',
        { x: left ? -r - 8 : r + 8, y: -3, 'text-anchor': left ? 'end' : 'start', class: 'site-label' },
        s.id,
      ),
      svg(
        'text',
        { x: left ? -r - 8 : r + 8, y: 16, 'text-anchor': left ? 'end' : 'start', class: 'site-label small' },
        st,
      ),
    );
  });
}

/** The WAN link table's rows: capacity, use, jobs across, latency, route length. */
export function linkRows(fabric: Fabric, tel: Map<string, LinkTelemetry>): HTMLElement[] {
  return fabric.wanLinks.map((l) => {
    const t = tel.get(l.id);
    return h(
      'tr',
      { 'data-link': l.id },
      h('th', { scope: 'row' }, `${l.id} (${l.a}–${l.b})`),
      h('td', { class: 'num' }, gbps(l.capacityGbps)),
      h(
        'td',
        { class: 'num' },
        t ? `${gbps(t.usedGbps)} (${pct(t.utilization, t.utilization > 0 && t.utilization < 0.01 ? 2 : 0)})` : '—',
      ),
      h('td', { class: 'num' }, t?.measuredGbps != null ? gbps(t.measuredGbps) : '—'),
      h('td', { class: 'num' }, t ? String(t.jobs) : '—'),
      h('td', { class: 'num' }, `${fixed(l.latencyMs, 2)} ms`),
      h('td', { class: 'num' }, `${int(l.routeKm)} km`),
    );
  });
}
