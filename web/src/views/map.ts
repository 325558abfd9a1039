// Map view: the fabric's sites on a US map (us-atlas states, pre-projected to Albers USA in a
// 975x610 frame, bundled; d3-geo projects the sites with the same projection; the world atlas, loaded
// on demand, when a site lies outside the US), WAN links drawn by capacity
// and coloured by live utilization, and a card per site with GPUs, power, grid carbon and state.
// Parts: map-geo.ts (base layer), map-overlay.ts (links, sites, link table), map-cards.ts (site cards).
import { h, mount, svg } from '../dom';
import { int } from '../format';
import { siteState, state, subscribe } from '../state';
import { siteCard } from './map-cards';
import { drawBasemap, H, W, type Geo } from './map-geo';
import { linkRows, linkShapes, siteMarkers } from './map-overlay';

interface MapView {
  map: SVGSVGElement;
  base: SVGGElement;
  links: SVGGElement;
  sites: SVGGElement;
  cards: HTMLElement;
  legend: HTMLElement;
  linkRows: HTMLTableSectionElement;
  linkTable: HTMLTableElement;
  geo: Geo | null;
  /** The fabric the base layer was drawn for. */
  geoFor: string;
}

function elements(): MapView {
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
  const rows = h('tbody');
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
        ['Link', 'Capacity', 'In use (plan)', 'Measured', 'Jobs across', 'One-way latency', 'Route'].map((c) =>
          h('th', { scope: 'col' }, c),
        ),
      ),
    ),
    rows,
  );
  return {
    map,
    base,
    links,
    sites,
    linkRows: rows,
    linkTable,
    geo: null,
    geoFor: '',
    cards: h('div', { class: 'site-cards', role: 'list', 'aria-label': 'Sites' }),
    legend: h('p', { class: 'legend' }),
  };
}

async function drawBase(v: MapView): Promise<void> {
  const fabric = state.fabric;
  if (!fabric || v.geoFor === fabric.name) return;
  v.geoFor = fabric.name;
  v.geo = await drawBasemap(fabric, v.base);
}

function drawOverlay(v: MapView): void {
  const fabric = state.fabric;
  const geo = v.geo;
  if (!fabric || !geo) return;
  const tel = new Map((state.telemetry?.wanLinks ?? []).map((l) => [l.id, l]));
  mount(v.links, linkShapes(fabric, geo, tel));
  const status = new Map(state.sites.map((s) => [s.id, s]));
  mount(v.sites, siteMarkers(fabric, geo, status));
  const desc = v.map.querySelector('desc');
  if (desc)
    desc.textContent = `${fabric.sites.length} sites (${fabric.sites.map((s) => `${s.id} ${siteState(status.get(s.id))}`).join(', ')}) and ${fabric.wanLinks.length} WAN link(s).`;
  mount(v.linkRows, linkRows(fabric, tel));
  v.linkTable.hidden = fabric.wanLinks.length === 0;
  v.legend.textContent = `${fabric.name}: ${int(fabric.gpus)} GPUs in ${fabric.sites.length} site(s). Line width: WAN capacity; colour: live utilization (grey idle, teal < 50%, amber < 85%, red above).`;
}

function drawCards(v: MapView): void {
  const fabric = state.fabric;
  if (!fabric) return;
  const status = new Map(state.sites.map((s) => [s.id, s]));
  const tel = new Map((state.telemetry?.sites ?? []).map((s) => [s.id, s]));
  const focused = document.activeElement instanceof HTMLElement ? document.activeElement.dataset.action : undefined;
  const focusedSite =
    document.activeElement instanceof HTMLElement ? document.activeElement.dataset.siteAction : undefined;
  mount(
    v.cards,
    fabric.sites.map((s) => siteCard(s, status.get(s.id), tel.get(s.id))),
  );
  if (focused && focusedSite) v.cards.querySelector<HTMLElement>(`[data-site-action="${focusedSite}"]`)?.focus();
}

export function createMapView(): { el: HTMLElement; drawn: () => boolean } {
  const v = elements();
  const el = h(
    'div',
    { class: 'map-view' },
    h('div', { class: 'map-wrap' }, h('h2', { class: 'sr-only' }, 'Map'), v.map, v.legend, v.linkTable),
    h('div', { class: 'cards-wrap' }, h('h2', null, 'Sites'), v.cards),
  );
  let drawn = false;
  subscribe((changed) => {
    if (changed.has('fabric')) {
      void drawBase(v).then(() => {
        drawOverlay(v);
        drawCards(v);
      });
      return;
    }
    if (changed.has('sites') || changed.has('telemetry') || changed.has('me')) {
      drawOverlay(v);
      drawCards(v);
    }
  });
  return {
    el,
    drawn: () => {
      drawn = drawn || (v.geo !== null && v.sites.childElementCount > 0);
      return drawn;
    },
  };
}
