// What the plan explorer draws from the planner's answers: the step-time bars and ranked table of plans, and the
// WAN sweep's heatmap and threshold table. Pure renderers: data in, elements out.
import { heatmap, stackedBars, type BarSegment } from '../charts';
import { h, type Child } from '../dom';
import { fixed, gbps, int, pct, seconds, si } from '../format';
import type { PlanResult } from '../../../src/contract';
import type { SweepView as SweepResult } from '../../../src/contract';

type Breakdown = PlanResult['plans'][number]['breakdown'];
type Plan = PlanResult['plans'][number];
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

const PLAN_COLUMNS = [
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
];

function planRow(p: Plan, i: number): HTMLElement {
  return h(
    'tr',
    { 'data-rank': i + 1 },
    h('td', null, String(i + 1)),
    h('td', null, p.strategy),
    h('td', null, p.placement.map((x) => `${x.site} ${int(x.gpus)}`).join(' + ')),
    h('td', { class: 'mono' }, `${p.tp}·${p.pp}${p.vpp > 1 ? `(v${p.vpp})` : ''}·${p.dp}·${p.cp}·${p.ep}`),
    h('td', { class: 'small' }, `mbs ${p.mbs}, gbs ${int(p.gbs)}, ZeRO-${p.zero}, recompute ${p.recompute}`),
    h('td', { class: 'num' }, seconds(p.stepTimeSeconds)),
    h('td', { class: 'num' }, `${si(p.tokensPerSecond)} (${si(p.effectiveTokensPerSecond)})`),
    h('td', { class: 'num' }, pct(p.mfu, 1)),
    h('td', { class: 'num' }, `${fixed(p.memoryGiBPerGpu, 1)} GiB`),
    h('td', { class: 'num' }, p.wanGbpsNeeded > 0 ? `${gbps(p.wanGbpsUsed)} / ${gbps(p.wanGbpsNeeded)}` : '—'),
    h('td', { class: 'num' }, `${fixed(p.timeToTrainDays, p.timeToTrainDays < 10 ? 2 : 0)} d`),
    h('td', { class: 'small bottleneck', title: p.bottleneck }, p.bottleneck.split(/[:;]/)[0]),
  );
}

/** The ranked plans: a summary line, the step-time breakdown bars and the table (or why there is none). */
export function planResults(r: PlanResult, width: number): Child[] {
  const rows = r.plans.map((p, i) => ({
    label: `#${i + 1} ${p.strategy}`,
    values: Object.fromEntries(SEGMENTS.map((seg) => [seg.key, p.breakdown[seg.key]])),
    total: p.stepTimeSeconds,
    totalLabel: seconds(p.stepTimeSeconds),
  }));
  return [
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
                PLAN_COLUMNS.map((c) => h('th', { scope: 'col' }, c)),
              ),
            ),
            h('tbody', null, r.plans.map(planRow)),
          ),
        ),
  ];
}

// TODO(core): use STRATEGY_INFO[s].abbrev (src/core/strategies.ts, import-free) once src/contract re-exports it;
// these values are the same.
const ABBREV: Record<string, string> = {
  'hierarchical-dp': 'HDP',
  'pipeline-across-sites': 'PP',
  diloco: 'DiLoCo',
  independent: 'ind.',
  none: '—',
};

/** The sweep: a summary line, the capacity x latency heatmap and the threshold table. */
export function sweepResults(r: SweepResult, width: number): Child[] {
  const cell = (i: number, j: number) =>
    r.cells.find((c) => c.wanLatencyMs === r.wanLatencyMsList[i] && c.wanGbps === r.wanGbpsList[j]);
  return [
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
        return c ? `${(c.fractionOfSingleSite * 100).toFixed(0)}% ${ABBREV[c.strategy] ?? c.strategy}` : '';
      },
      tip: (i, j) => {
        const c = cell(i, j);
        return c
          ? `${gbps(c.wanGbps)}, ${c.wanLatencyMs} ms: ${si(c.effectiveTokensPerSecond)} tok/s effective (${pct(c.fractionOfSingleSite, 1)} of one site), ${c.strategy}`
          : '';
      },
      width,
    }),
    thresholdTable(r),
  ];
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
