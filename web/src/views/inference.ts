// Inference placement (issue 15): ask POST /v1/inference/plans for a model, a demand preset and p99 TTFT/TPOT SLOs,
// then show the replicas per site on the map (circle size by replicas, lines from each user region to the sites
// serving it), the latency and SLO per region, each N+1 case and the planner's explanation. The basemap and the
// projection come from map-geo.ts (imported, not edited).
import type { InferencePlanResponse, InferencePlacement } from '../../../src/contract';
import { post, type Fabric } from '../api';
import { announce, field, h, mount, options, svg } from '../dom';
import { errorList, showIssues } from '../form';
import { fixed, int } from '../format';
import { state } from '../state';
import { drawBasemap, H, W, type Geo } from './map-geo';

interface Controls {
  model: HTMLInputElement;
  demand: HTMLInputElement;
  ttft: HTMLInputElement;
  tpot: HTMLInputElement;
  objective: HTMLSelectElement;
  nPlusOne: HTMLInputElement;
  run: HTMLButtonElement;
  errors: HTMLUListElement;
  out: HTMLElement;
}

const planText = (p: InferencePlacement['replicas'][number]['plan']): string =>
  `TP${p.tp} PP${p.pp}${p.ep > 1 ? ` EP${p.ep}` : ''} ${p.precision.toUpperCase()} ≤${p.maxBatch}`;

/** The sites and the user regions as points, so the basemap picks the world atlas when a region lies abroad. */
function pointsFabric(fabric: Fabric, p: InferencePlacement, regions: { lat: number; lon: number }[]): Fabric {
  const sites = [...fabric.sites, ...regions.map((r) => ({ ...fabric.sites[0], lat: r.lat, lon: r.lon }))];
  return { ...fabric, name: `${fabric.name}+inference-${p.modelId}`, sites };
}

async function drawMap(
  r: InferencePlanResponse,
  regions: Map<string, { lat: number; lon: number }>,
): Promise<SVGElement> {
  const p = r.placement;
  const base = svg('g', { class: 'basemap' });
  const fabric = state.fabric!;
  const geo: Geo = await drawBasemap(pointsFabric(fabric, p, [...regions.values()]), base);
  const at = (lat: number, lon: number) => (geo.projection([lon, lat]) as [number, number] | null) ?? [W / 2, H / 2];
  const lines = p.routing.map((x) => {
    const from = regions.get(x.regionId)!;
    const site = p.replicas.find((s) => s.siteId === x.siteId)!;
    const [x1, y1] = at(from.lat, from.lon);
    const [x2, y2] = at(site.lat, site.lon);
    return svg('line', {
      x1,
      y1,
      x2,
      y2,
      class: 'route',
      stroke: '#d9822b',
      'stroke-opacity': 0.8,
      'stroke-width': 1 + 3 * x.share,
      'data-route': `${x.regionId}>${x.siteId}`,
    });
  });
  const users = [...regions.entries()].map(([id, g]) => {
    const [x, y] = at(g.lat, g.lon);
    return svg(
      'g',
      { class: 'region', 'data-region': id, transform: `translate(${x},${y})` },
      svg('rect', { x: -5, y: -5, width: 10, height: 10, fill: '#d9822b' }),
      svg('text', { x: 8, y: 14, class: 'site-label small' }, id),
    );
  });
  const sites = p.replicas.map((s) => {
    const [x, y] = at(s.lat, s.lon);
    const radius = 5 + 2.5 * Math.sqrt(s.count);
    return svg(
      'g',
      { class: 'site replicas', 'data-site': s.siteId, transform: `translate(${x},${y})` },
      svg('circle', { r: radius }),
      svg('text', { x: radius + 6, y: -3, class: 'site-label' }, `${s.siteId} ×${s.count}`),
    );
  });
  return svg(
    'svg',
    {
      viewBox: `0 0 ${W} ${H}`,
      class: 'map inference-map',
      role: 'img',
      'aria-label': 'Replicas per site and routing',
    },
    base,
    svg('g', { class: 'routes' }, lines),
    svg('g', { class: 'regions' }, users),
    svg('g', { class: 'sites' }, sites),
  );
}

function table(label: string, head: string[], rows: (string | number)[][], attr: (i: number) => string): HTMLElement {
  return h(
    'table',
    { class: 'inference', 'aria-label': label },
    h(
      'thead',
      null,
      h(
        'tr',
        null,
        head.map((c) => h('th', { scope: 'col' }, c)),
      ),
    ),
    h(
      'tbody',
      null,
      rows.map((r, i) =>
        h(
          'tr',
          { 'data-row': attr(i) },
          r.map((c, j) => (j === 0 ? h('th', { scope: 'row' }, String(c)) : h('td', null, String(c)))),
        ),
      ),
    ),
  );
}

function replicaTable(p: InferencePlacement): HTMLElement {
  const rows = p.replicas.map((s) => [
    s.siteId,
    s.systemId,
    s.count,
    s.count - s.primaryCount,
    planText(s.plan),
    int(s.count * s.gpusPerReplica),
    fixed(s.requestsPerSecond, 1),
    `${Math.round(s.utilization * 100)}%`,
    fixed(s.costUsdPerHour, 2),
    fixed(s.emissionsKgCO2ePerHour, 1),
  ]);
  const head = ['Site', 'System', 'Replicas', 'N+1 spare', 'Plan', 'GPUs', 'Req/s', 'Util', '$/h', 'kg CO2e/h'];
  return table('Replicas per site', head, rows, (i) => p.replicas[i].siteId);
}

function regionTable(p: InferencePlacement): HTMLElement {
  const rows = p.latency.map((l) => {
    const by = p.routing.filter((x) => x.regionId === l.regionId);
    const basis = new Set(
      p.latencies.filter((x) => x.regionId === l.regionId && by.some((b) => b.siteId === x.siteId)).map((x) => x.basis),
    );
    return [
      l.regionId,
      by.map((b) => `${b.siteId} ${Math.round(b.share * 100)}%`).join(', '),
      `${fixed(l.rttMs, 1)} (${[...basis].join('/')})`,
      `${fixed(l.ttftP99Ms, 1)} / ${p.slo.ttftP99Ms}`,
      `${fixed(l.tpotP99Ms, 1)} / ${p.slo.tpotP99Ms}`,
      l.meetsSlo ? 'met' : 'missed',
    ];
  });
  const head = ['Region', 'Served by', 'RTT ms (basis)', 'p99 TTFT / SLO ms', 'p99 TPOT / SLO ms', 'SLO'];
  return table('Latency per region', head, rows, (i) => p.latency[i].regionId);
}

function failoverTable(p: InferencePlacement): HTMLElement | null {
  if (p.failover.length === 0) return null;
  const rows = p.failover.map((f) => [
    f.lostSiteId,
    f.meetsSlo ? 'met' : 'missed',
    fixed(Math.max(...f.latency.map((x) => x.ttftP99Ms)), 1),
    `${Math.round(f.minHeadroom * 100)}%`,
  ]);
  return table(
    'N+1: each site lost',
    ['Site lost', 'SLO', 'Worst p99 TTFT ms', 'Headroom'],
    rows,
    (i) => p.failover[i].lostSiteId,
  );
}

async function render(v: Controls, r: InferencePlanResponse, regions: Map<string, { lat: number; lon: number }>) {
  const p = r.placement;
  mount(
    v.out,
    h(
      'p',
      { class: 'summary' },
      `${int(p.totals.replicas)} replicas, ${int(p.totals.gpus)} GPUs at ${p.replicas.length} site(s): ` +
        `$${fixed(p.totals.costUsdPerHour, 2)}/h, ${fixed(p.totals.emissionsKgCO2ePerHour, 1)} kg CO2e/h (${p.objective})`,
    ),
    await drawMap(r, regions),
    replicaTable(p),
    regionTable(p),
    failoverTable(p),
    h('h3', null, 'Why'),
    h(
      'ul',
      { class: 'explanation' },
      p.explanation.map((e) => h('li', null, e)),
    ),
  );
}

async function run(v: Controls): Promise<void> {
  mount(v.errors);
  v.run.disabled = true;
  mount(v.out, h('p', { class: 'muted', role: 'status' }, 'Placing…'));
  try {
    const body = {
      model: v.model.value.trim(),
      demand: v.demand.value.trim(),
      ttftP99Ms: Number(v.ttft.value),
      tpotP99Ms: Number(v.tpot.value),
      objective: v.objective.value,
      nPlusOne: v.nPlusOne.checked,
    };
    const r = await post<InferencePlanResponse>('/v1/inference/plans', body);
    const regions = new Map(r.placement.regions.map((d) => [d.id, { lat: d.lat, lon: d.lon }]));
    await render(v, r, regions);
    announce(`${r.placement.totals.replicas} replicas placed for ${r.placement.modelId}.`);
  } catch (err) {
    mount(v.out);
    showIssues(v.errors, err, 'The placement did not run: see the form.');
  } finally {
    v.run.disabled = false;
  }
}

export function createInferenceView(): { el: HTMLElement; show: () => void; hide: () => void } {
  const input = (id: string, value: string, type = 'text') => h('input', { id, name: id, type, value, required: true });
  const v: Controls = {
    model: input('inf-model', 'llama3-70b'),
    demand: input('inf-demand', 'azure-conv-americas'),
    ttft: input('inf-ttft', '400', 'number'),
    tpot: input('inf-tpot', '40', 'number'),
    objective: h(
      'select',
      { id: 'inf-objective', name: 'inf-objective' },
      options(
        [
          { value: 'cost', label: 'least cost' },
          { value: 'carbon', label: 'least carbon' },
        ],
        'cost',
      ),
    ),
    nPlusOne: h('input', { id: 'inf-n1', name: 'inf-n1', type: 'checkbox', checked: true }),
    run: h('button', { type: 'submit', class: 'primary' }, 'Place replicas'),
    errors: errorList(),
    out: h('div', { class: 'inference-out', 'aria-live': 'polite' }),
  };
  const form = h(
    'form',
    {
      class: 'inference-form',
      'aria-label': 'Inference placement',
      onsubmit: (e: Event) => {
        e.preventDefault();
        void run(v);
      },
    },
    field('Model', v.model, 'a model zoo id'),
    field('Demand', v.demand, 'a preset in data/inference'),
    field('p99 TTFT (ms)', v.ttft),
    field('p99 TPOT (ms)', v.tpot),
    field('Objective', v.objective),
    field('N+1 (survive any one site lost)', v.nPlusOne),
    v.run,
    v.errors,
  );
  const el = h('section', { class: 'inference-view' }, h('h2', null, 'Inference placement'), form, v.out);
  return { el, show: () => {}, hide: () => {} };
}
