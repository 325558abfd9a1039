// Plan explorer: pick a model and a fabric (a preset, the server's, or an edited copy), see the
// planner's ranked plans with their step-time breakdowns, and run the WAN capacity x latency sweep.
import { ApiError, api, post } from '../api';
import { heatmap, stackedBars, type BarSegment } from '../charts';
import { loadCatalog } from '../data';
import { announce, field, h, mount, options } from '../dom';
import { fixed, gbps, int, pct, seconds, si } from '../format';
import { state } from '../state';
import type { PlanResult } from '../../../src/contract';
import type { SweepView as SweepResult } from '../../../src/contract';

type Breakdown = PlanResult['plans'][number]['breakdown'];
/** The step-time parts of a plan's breakdown (a renamed planner field fails to compile here). */
type SegmentKey = { [K in keyof Breakdown]: Breakdown[K] extends number ? K : never }[keyof Breakdown];

const SEGMENTS: (BarSegment & { key: SegmentKey })[] = [
  { key: 'computeSeconds', label: 'compute', color: '#2563eb' },
  { key: 'tpCommSeconds', label: 'TP comm', color: '#f59e0b' },
  { key: 'cpCommSeconds', label: 'CP comm', color: '#eab308' },
  { key: 'epCommSeconds', label: 'EP comm', color: '#a855f7' },
  { key: 'ppCommSeconds', label: 'PP comm', color: '#14b8a6' },
  { key: 'pipelineBubbleSeconds', label: 'pipeline bubble', color: '#94a3b8' },
  { key: 'dpCommExposedSeconds', label: 'DP comm (exposed)', color: '#ef4444' },
  { key: 'wanCommExposedSeconds', label: 'WAN comm (exposed)', color: '#7c2d12' },
  { key: 'optimizerSeconds', label: 'optimizer', color: '#22c55e' },
];

const SERVER = '__server__';

export function createPlansView(): { el: HTMLElement; show: () => void } {
  const model = h('select', { name: 'model' }, options([{ value: 'llama3-70b', label: 'Llama 3 70B (llama3-70b)' }]));
  const fabric = h('select', { name: 'fabric' });
  const gpus = h('input', { name: 'gpus', type: 'number', min: 1, step: 1, placeholder: 'all', inputmode: 'numeric' });
  const top = h('input', { name: 'top', type: 'number', min: 1, max: 20, value: 5 });
  const wanCap = h('input', { name: 'wanCapacityGbps', type: 'number', min: 1, placeholder: 'as in fabric' });
  const wanLat = h('input', { name: 'wanLatencyMs', type: 'number', min: 0, step: 0.1, placeholder: 'as in fabric' });
  const yaml = h('textarea', {
    name: 'fabricText',
    rows: 14,
    spellcheck: 'false',
    class: 'mono',
    'aria-describedby': 'yaml-hint',
  });
  const useYaml = h('input', { type: 'checkbox', name: 'useYaml' });
  const loadYaml = h(
    'button',
    { type: 'button', class: 'secondary small', onclick: () => void fetchYaml() },
    'Load the selected preset',
  );
  const run = h('button', { type: 'submit', class: 'primary' }, 'Plan');
  const sweepBtn = h('button', { type: 'button', class: 'secondary', onclick: () => void sweep() }, 'Run WAN sweep');
  const errors = h('ul', { class: 'errors', role: 'alert' });
  const results = h('div', { class: 'plan-results', 'aria-live': 'polite' });
  const sweepOut = h('div', { class: 'sweep-results', 'aria-live': 'polite' });

  const form = h(
    'form',
    {
      class: 'plan-form',
      'aria-label': 'Plan a model on a fabric',
      onsubmit: (e: Event) => (e.preventDefault(), void plan()),
    },
    h(
      'div',
      { class: 'row' },
      field('Model', model),
      field('Fabric', fabric),
      field('GPU budget', gpus),
      field('Top plans', top),
      field('WAN capacity (Gb/s)', wanCap),
      field('WAN latency (ms)', wanLat),
      h('div', { class: 'buttons' }, run, sweepBtn),
    ),
    h(
      'details',
      { class: 'edit-fabric' },
      h('summary', null, 'Edit the fabric (YAML)'),
      h(
        'p',
        { id: 'yaml-hint', class: 'muted small' },
        'Load a preset, change sites, pods or WAN links, and tick the box to plan on your copy. Errors come back with the field path.',
      ),
      h('div', { class: 'row' }, loadYaml, h('label', null, useYaml, ' plan on this edited fabric')),
      field('Fabric YAML', yaml),
    ),
    errors,
  );

  function body(): Record<string, unknown> {
    const b: Record<string, unknown> = { model: model.value };
    if (useYaml.checked && yaml.value.trim()) b.fabricText = yaml.value;
    else if (fabric.value !== SERVER) b.fabric = fabric.value;
    if (gpus.value) b.gpus = Number(gpus.value);
    if (wanCap.value) b.wanCapacityGbps = Number(wanCap.value);
    if (wanLat.value) b.wanLatencyMs = Number(wanLat.value);
    return b;
  }

  function showErrors(err: unknown): void {
    const issues = err instanceof ApiError ? err.issues : [{ path: '', message: String(err), hint: '' }];
    mount(
      errors,
      issues.map((i) =>
        h(
          'li',
          null,
          h('b', null, i.path),
          `: ${i.message}`,
          i.hint ? h('span', { class: 'muted' }, ` — ${i.hint}`) : null,
        ),
      ),
    );
    announce('The planner did not run: see the form.', 'error');
  }

  async function fetchYaml(): Promise<void> {
    const id = fabric.value === SERVER ? (state.catalog?.serverFabric ?? 'fairwater') : fabric.value;
    try {
      yaml.value = await api<string>('GET', `/v1/explore/fabrics/${encodeURIComponent(id)}`);
    } catch (err) {
      showErrors(err);
    }
  }

  async function plan(): Promise<void> {
    mount(errors);
    run.disabled = true;
    mount(results, h('p', { class: 'muted', role: 'status' }, 'Planning…'));
    try {
      const b = { ...body(), top: Number(top.value) || 5 };
      const r = await post<PlanResult>('/v1/explore/plans', b);
      drawPlans(r);
      announce(`${r.plans.length} plan(s) for ${r.model} on ${r.fabric}.`);
    } catch (err) {
      mount(results);
      showErrors(err);
    } finally {
      run.disabled = false;
    }
  }

  function drawPlans(r: PlanResult): void {
    const width = Math.max(600, Math.min(1200, results.clientWidth || 1200));
    const rows = r.plans.map((p, i) => ({
      label: `#${i + 1} ${p.strategy}`,
      values: Object.fromEntries(SEGMENTS.map((seg) => [seg.key, p.breakdown[seg.key]])),
      total: p.stepTimeSeconds,
      totalLabel: seconds(p.stepTimeSeconds),
    }));
    mount(
      results,
      h(
        'p',
        { class: 'muted' },
        `${r.model} on ${r.fabric}: ${int(r.plansEvaluated)} plans evaluated in ${fixed(r.searchSeconds, 2)} s; ${si(r.tokens)} tokens to train.`,
      ),
      rows.length ? stackedBars('Step-time breakdown per plan (seconds per step)', SEGMENTS, rows, width) : null,
      r.plans.length === 0
        ? h('p', null, 'No feasible plan: give more GPUs, or pick a smaller model.')
        : h(
            'div',
            { class: 'table-wrap' },
            h(
              'table',
              { class: 'plans', 'data-testid': 'ranked-plans' },
              h('caption', { class: 'sr-only' }, `Ranked plans for ${r.model} on ${r.fabric}`),
              h(
                'thead',
                null,
                h(
                  'tr',
                  null,
                  [
                    '#',
                    'Strategy',
                    'Placement',
                    'TP·PP·DP·CP·EP',
                    'Batch',
                    'Step',
                    'Tokens/s (eff.)',
                    'MFU',
                    'Mem/GPU',
                    'WAN used / needed',
                    'Time to train',
                    'Bottleneck',
                  ].map((c) => h('th', { scope: 'col' }, c)),
                ),
              ),
              h(
                'tbody',
                null,
                r.plans.map((p, i) =>
                  h(
                    'tr',
                    { 'data-rank': i + 1 },
                    h('td', null, String(i + 1)),
                    h('td', null, p.strategy),
                    h('td', null, p.placement.map((x) => `${x.site} ${int(x.gpus)}`).join(' + ')),
                    h(
                      'td',
                      { class: 'mono' },
                      `${p.tp}·${p.pp}${p.vpp > 1 ? `(v${p.vpp})` : ''}·${p.dp}·${p.cp}·${p.ep}`,
                    ),
                    h(
                      'td',
                      { class: 'small' },
                      `mbs ${p.mbs}, gbs ${int(p.gbs)}, ZeRO-${p.zero}, recompute ${p.recompute}`,
                    ),
                    h('td', { class: 'num' }, seconds(p.stepTimeSeconds)),
                    h('td', { class: 'num' }, `${si(p.tokensPerSecond)} (${si(p.effectiveTokensPerSecond)})`),
                    h('td', { class: 'num' }, pct(p.mfu, 1)),
                    h('td', { class: 'num' }, `${fixed(p.memoryGiBPerGpu, 1)} GiB`),
                    h(
                      'td',
                      { class: 'num' },
                      p.wanGbpsNeeded > 0 ? `${gbps(p.wanGbpsUsed)} / ${gbps(p.wanGbpsNeeded)}` : '—',
                    ),
                    h('td', { class: 'num' }, `${fixed(p.timeToTrainDays, p.timeToTrainDays < 10 ? 2 : 0)} d`),
                    h('td', { class: 'small bottleneck', title: p.bottleneck }, p.bottleneck.split(/[:;]/)[0]),
                  ),
                ),
              ),
            ),
          ),
    );
  }

  async function sweep(): Promise<void> {
    mount(errors);
    sweepBtn.disabled = true;
    mount(
      sweepOut,
      h(
        'p',
        { class: 'muted', role: 'status' },
        'Sweeping WAN capacity × latency (20 planner runs; a few seconds on a 100k-GPU fabric)…',
      ),
    );
    try {
      const b = body();
      delete b.wanCapacityGbps;
      delete b.wanLatencyMs;
      const r = await post<SweepResult>('/v1/explore/sweep', b);
      drawSweep(r);
      announce(`WAN sweep done: ${r.cells.length} cells.`);
    } catch (err) {
      mount(sweepOut);
      showErrors(err);
    } finally {
      sweepBtn.disabled = false;
    }
  }

  function drawSweep(r: SweepResult): void {
    const cell = (i: number, j: number) =>
      r.cells.find((c) => c.wanLatencyMs === r.wanLatencyMsList[i] && c.wanGbps === r.wanGbpsList[j]);
    // TODO(core): use STRATEGY_INFO[s].abbrev (src/core/strategies.ts, import-free) once src/contract re-exports it;
    // these values are the same.
    const abbrev: Record<string, string> = {
      'hierarchical-dp': 'HDP',
      'pipeline-across-sites': 'PP',
      diloco: 'DiLoCo',
      independent: 'ind.',
      none: '—',
    };
    mount(
      sweepOut,
      h('h2', null, 'WAN sweep'),
      h(
        'p',
        { class: 'muted' },
        `${r.model} on ${r.sites.join(' + ')} (${int(r.gpus)} GPUs) against the same GPUs in one site (${si(r.singleSiteTokensPerSecond)} tok/s). ${int(r.plansEvaluated)} plans in ${fixed(r.searchSeconds, 1)} s.`,
      ),
      heatmap({
        title: 'Cross-site throughput as a fraction of one site, by WAN capacity and one-way latency',
        rows: r.wanLatencyMsList.map((l) => `${l} ms`),
        cols: r.wanGbpsList.map((g) => gbps(g)),
        rowTitle: 'latency',
        colTitle: 'WAN capacity',
        value: (i, j) => cell(i, j)?.fractionOfSingleSite ?? 0,
        text: (i, j) => {
          const c = cell(i, j);
          return c ? `${(c.fractionOfSingleSite * 100).toFixed(0)}% ${abbrev[c.strategy] ?? c.strategy}` : '';
        },
        tip: (i, j) => {
          const c = cell(i, j);
          return c
            ? `${gbps(c.wanGbps)}, ${c.wanLatencyMs} ms: ${si(c.effectiveTokensPerSecond)} tok/s effective (${pct(c.fractionOfSingleSite, 1)} of one site), ${c.strategy}`
            : '';
        },
        width: Math.min(900, Math.max(500, sweepOut.clientWidth || 900)),
      }),
      thresholdTable(r),
    );
  }

  /** Per latency, the capacity for 90% and 95% of one site: any cross-site strategy, and synchronous ones only. */
  function thresholdTable(r: SweepResult): HTMLElement {
    const g = (v: number | null) => (v ? gbps(v) : 'none of the grid');
    const sync = new Map(r.thresholdsSynchronous.map((t) => [t.wanLatencyMs, t]));
    return h(
      'table',
      { class: 'thresholds', 'data-role': 'thresholds' },
      h('caption', null, 'WAN capacity needed for 90% / 95% of one site'),
      h(
        'thead',
        null,
        h(
          'tr',
          null,
          h('th', { scope: 'col' }, 'one-way latency'),
          h('th', { scope: 'col' }, 'any strategy (DiLoCo allowed)'),
          h('th', { scope: 'col' }, 'synchronous only (hierarchical DP, pipeline)'),
        ),
      ),
      h(
        'tbody',
        null,
        r.thresholds.map((t) => {
          const s = sync.get(t.wanLatencyMs);
          return h(
            'tr',
            { 'data-latency': t.wanLatencyMs },
            h('th', { scope: 'row' }, `${t.wanLatencyMs} ms`),
            h('td', { 'data-kind': 'any' }, `${g(t.gbpsFor90)} / ${g(t.gbpsFor95)}`),
            h('td', { 'data-kind': 'synchronous' }, s ? `${g(s.gbpsFor90)} / ${g(s.gbpsFor95)}` : '—'),
          );
        }),
      ),
    );
  }

  let filled = false;
  async function show(): Promise<void> {
    if (filled) return;
    filled = true;
    try {
      const c = await loadCatalog();
      mount(
        model,
        options(
          c.models.map((m) => ({ value: m.id, label: `${m.name} (${m.id})` })),
          'llama3-70b',
        ),
      );
      mount(
        fabric,
        options(
          [
            { value: SERVER, label: `${c.serverFabric} (this server)` },
            ...c.fabrics.filter((f) => f !== c.serverFabric).map((f) => ({ value: f, label: f })),
          ],
          SERVER,
        ),
      );
    } catch (err) {
      filled = false;
      showErrors(err);
    }
  }
  mount(fabric, options([{ value: SERVER, label: 'this server’s fabric' }]));

  const el = h('div', { class: 'plans-view' }, h('h2', { class: 'sr-only' }, 'Plan explorer'), form, results, sweepOut);
  return { el, show: () => void show() };
}
