// Map view: the fabric's sites on a US map (us-atlas states, pre-projected to Albers USA in a
// 975x610 frame, bundled; d3-geo projects the sites with the same projection; the world atlas, loaded
// on demand, when a site lies outside the US), WAN links drawn by capacity
// and coloured by live utilization, and a card per site with GPUs, power, grid carbon and state.
import { geoAlbersUsa, geoNaturalEarth1, geoPath, type GeoProjection } from 'd3-geo';
import { feature, mesh } from 'topojson-client';
import type { Topology } from 'topojson-specification';
import usStates from 'us-atlas/states-albers-10m.json';
import { ApiError, TERMINAL, post, type FabricSite } from '../api';
import { refreshSites, refreshJobs } from '../data';
import { announce, confirmDialog, h, mount, svg } from '../dom';
import { fixed, gbps, int, pct } from '../format';
import { isAdmin, siteState, state, subscribe } from '../state';
import { torusFacts } from './map-torus';

// the frame us-atlas's *-albers-10m files are projected into
const W = 975;
const H = 610;

interface Geo {
  projection: GeoProjection;
  world: boolean;
}

function utilColor(u: number): string {
  if (u >= 0.85) return '#c2410c';
  if (u >= 0.5) return '#d97706';
  if (u > 0) return '#0f766e';
  return '#64748b';
}

export function createMapView(): { el: HTMLElement; drawn: () => boolean } {
  const base = svg('g', { class: 'basemap' });
  const links = svg('g', { class: 'links' });
  const sites = svg('g', { class: 'sites' });
  const map = svg(
    'svg',
    { viewBox: `0 0 ${W} ${H}`, class: 'map', role: 'img', 'aria-labelledby': 'map-title map-desc' },
    svg('title', { id: 'map-title' }, 'Map of the fabric'),
    svg('desc', { id: 'map-desc' }, ''),
    base,
    links,
    sites,
  );
  const cards = h('div', { class: 'site-cards', role: 'list', 'aria-label': 'Sites' });
  const legend = h('p', { class: 'legend' });
  const linkRows = h('tbody');
  const linkTable = h(
    'table',
    { class: 'links-table' },
    h('caption', null, 'WAN links'),
    h(
      'thead',
      null,
      h(
        'tr',
        null,
        ['Link', 'Capacity', 'In use', 'Jobs across', 'One-way latency', 'Route'].map((c) =>
          h('th', { scope: 'col' }, c),
        ),
      ),
    ),
    linkRows,
  );
  const el = h(
    'div',
    { class: 'map-view' },
    h('div', { class: 'map-wrap' }, h('h2', { class: 'sr-only' }, 'Map'), map, legend, linkTable),
    h('div', { class: 'cards-wrap' }, h('h2', null, 'Sites'), cards),
  );

  let geo: Geo | null = null;
  let geoFor = '';
  let drawn = false;

  async function drawBase(): Promise<void> {
    const fabric = state.fabric;
    if (!fabric || geoFor === fabric.name) return;
    geoFor = fabric.name;
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
      geo = { projection: us, world: false };
    } else {
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
      geo = { projection: p, world: true };
    }
  }

  function xy(s: FabricSite): [number, number] {
    return (geo?.projection([s.lon, s.lat]) as [number, number] | null) ?? [W / 2, H / 2];
  }

  function drawOverlay(): void {
    const fabric = state.fabric;
    if (!fabric || !geo) return;
    const path = geoPath(geo.projection);
    const tel = new Map((state.telemetry?.wanLinks ?? []).map((l) => [l.id, l]));
    const maxCap = Math.max(1, ...fabric.wanLinks.map((l) => l.capacityGbps));
    mount(
      links,
      fabric.wanLinks.map((l) => {
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
        const [ax, ay] = xy(a);
        const [bx, by] = xy(b);
        const label = `${gbps(l.capacityGbps)} · ${pct(u, u > 0 && u < 0.01 ? 1 : 0)} used · ${fixed(l.latencyMs, 1)} ms`;
        return svg(
          'g',
          { class: 'link', 'data-link': l.id, 'data-utilization': u.toFixed(4) },
          svg(
            'title',
            null,
            `WAN link ${l.id}: ${a.id}–${b.id}, ${gbps(l.capacityGbps)} capacity, ${t ? `${gbps(t.usedGbps)} in use by ${t.jobs} job(s)` : 'no live data'}, ${fixed(l.latencyMs, 2)} ms one way, ${int(l.routeKm)} km route`,
          ),
          svg('path', { d, class: 'link-cap', 'stroke-width': width + 4 }),
          svg('path', { d, class: 'link-use', stroke: utilColor(u), 'stroke-width': width }),
          svg('text', { x: (ax + bx) / 2 + 16, y: (ay + by) / 2, class: 'link-label' }, l.id),
          svg('text', { x: (ax + bx) / 2 + 16, y: (ay + by) / 2 + 19, class: 'link-label small' }, label),
        );
      }),
    );
    const status = new Map(state.sites.map((s) => [s.id, s]));
    const maxGpus = Math.max(1, ...fabric.sites.map((s) => s.gpus));
    mount(
      sites,
      fabric.sites.map((s) => {
        const [x, y] = xy(s);
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
      }),
    );
    const desc = map.querySelector('desc');
    if (desc)
      desc.textContent = `${fabric.sites.length} sites (${fabric.sites.map((s) => `${s.id} ${siteState(status.get(s.id))}`).join(', ')}) and ${fabric.wanLinks.length} WAN link(s).`;
    mount(
      linkRows,
      fabric.wanLinks.map((l) => {
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
          h('td', { class: 'num' }, t ? String(t.jobs) : '—'),
          h('td', { class: 'num' }, `${fixed(l.latencyMs, 2)} ms`),
          h('td', { class: 'num' }, `${int(l.routeKm)} km`),
        );
      }),
    );
    linkTable.hidden = fabric.wanLinks.length === 0;
    legend.textContent = `${fabric.name}: ${int(fabric.gpus)} GPUs in ${fabric.sites.length} site(s). Line width: WAN capacity; colour: live utilization (grey idle, teal < 50%, amber < 85%, red above).`;
  }

  function drawCards(): void {
    const fabric = state.fabric;
    if (!fabric) return;
    const status = new Map(state.sites.map((s) => [s.id, s]));
    const tel = new Map((state.telemetry?.sites ?? []).map((s) => [s.id, s]));
    const focused = document.activeElement instanceof HTMLElement ? document.activeElement.dataset.action : undefined;
    const focusedSite =
      document.activeElement instanceof HTMLElement ? document.activeElement.dataset.siteAction : undefined;
    mount(
      cards,
      fabric.sites.map((s) => {
        const st = status.get(s.id);
        const t = tel.get(s.id);
        const state_ = siteState(st);
        const used = t?.usedGpus ?? st?.usedGpus ?? 0;
        const free = s.gpus - used;
        const draw = t?.powerDrawMW ?? null;
        const cap = s.powerMW;
        const drain = state_ !== 'draining';
        const button = isAdmin()
          ? h(
              'button',
              {
                type: 'button',
                class: drain ? 'danger' : '',
                'data-action': drain ? 'drain' : 'undrain',
                'data-site-action': s.id,
                'aria-label': `${drain ? 'Drain' : 'Undrain'} site ${s.id}`,
                onclick: (ev: Event) => void toggleDrain(s.id, drain, ev.currentTarget as HTMLButtonElement),
              },
              drain ? 'Drain' : 'Undrain',
            )
          : null;
        const card = h(
          'article',
          {
            class: `site-card ${state_}`,
            role: 'listitem',
            'data-site': s.id,
            'data-state': state_,
            'aria-labelledby': `site-${s.id}-name`,
          },
          h(
            'header',
            null,
            h('h3', { id: `site-${s.id}-name` }, s.name),
            h('span', { class: `badge ${state_}`, 'data-role': 'state' }, state_),
          ),
          h(
            'p',
            { class: 'muted' },
            `${s.id} · ${s.jurisdiction} · grid ${s.gridZone} · ${[...new Set(s.pods.map((p) => p.system.name.replace(/\s*\(.*$/, '')))].join(', ')}`,
          ),
          torusFacts(s),
          meter('GPUs busy', used / Math.max(1, s.gpus), `${int(used)} busy / ${int(free)} free of ${int(s.gpus)}`),
          meter(
            'Power drawn',
            draw === null ? 0 : draw / Math.max(1, cap),
            draw === null ? `cap ${int(cap)} MW` : `${fixed(draw, 1)} of ${int(cap)} MW cap`,
          ),
          h(
            'dl',
            { class: 'facts' },
            h('dt', null, 'Grid carbon now'),
            h(
              'dd',
              { 'data-role': 'carbon', title: t?.carbonSource ?? 'no series for this grid zone' },
              t?.carbonGPerKWh != null ? `${int(t.carbonGPerKWh)} gCO₂/kWh` : '—',
            ),
            h('dt', null, 'Executor'),
            h('dd', null, st?.executor ?? 'none'),
          ),
          button ? h('div', { class: 'actions' }, button) : null,
        );
        return card;
      }),
    );
    if (focused && focusedSite) cards.querySelector<HTMLElement>(`[data-site-action="${focusedSite}"]`)?.focus();
  }

  async function toggleDrain(id: string, drain: boolean, btn: HTMLButtonElement): Promise<void> {
    if (drain) {
      const moving = state.jobs.filter((j) => !TERMINAL.includes(j.state) && j.sites.includes(id)).length;
      const ok = await confirmDialog(
        `Drain site ${id}?`,
        `No new job starts on ${id}. Its ${moving} unfinished job(s) move to other sites at their next checkpoint. Undrain to take jobs again.`,
        `Drain ${id}`,
      );
      if (!ok) return;
    }
    btn.disabled = true;
    try {
      await post(`/v1/sites/${encodeURIComponent(id)}/${drain ? 'drain' : 'undrain'}`);
      announce(
        drain ? `Site ${id} draining: its jobs move at their next checkpoint.` : `Site ${id} accepts jobs again.`,
      );
      await Promise.all([refreshSites(), refreshJobs()]);
    } catch (err) {
      announce(err instanceof ApiError ? err.message : String(err), 'error');
      btn.disabled = false;
    }
  }

  subscribe((changed) => {
    if (changed.has('fabric')) {
      void drawBase().then(() => {
        drawOverlay();
        drawCards();
      });
      return;
    }
    if (changed.has('sites') || changed.has('telemetry') || changed.has('me')) {
      drawOverlay();
      drawCards();
    }
  });

  return {
    el,
    drawn: () => {
      drawn = drawn || (geo !== null && sites.childElementCount > 0);
      return drawn;
    },
  };
}

function meter(label: string, frac: number, text: string): HTMLElement {
  const f = Math.max(0, Math.min(1, frac));
  return h(
    'div',
    { class: 'meter' },
    h('span', { class: 'meter-label' }, label),
    h(
      'span',
      {
        class: 'meter-bar',
        role: 'meter',
        'aria-label': label,
        'aria-valuemin': 0,
        'aria-valuemax': 100,
        'aria-valuenow': Math.round(f * 100),
        'aria-valuetext': text,
      },
      h('span', { style: `width:${(f * 100).toFixed(1)}%` }),
    ),
    h('span', { class: 'meter-text' }, text),
  );
}
