// Plain-text views of jobs, events, sites and tokens for people (the `--json` forms print the API's bodies).
import type { EventView, JobUsage, JobView, SiteStatusView } from '../contract/index.js';

/** Columns padded to their widest cell; the last column is not padded (long reasons wrap naturally). */
export function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i])))
      .join('  ')
      .trimEnd();
  return [line(header), ...rows.map(line)].join('\n');
}

/** "42s", "5m", "3h", "2d" since an ISO time (or epoch ms), at `nowMs`. */
export function age(at: string | number | null, nowMs: number): string {
  if (at === null) return '-';
  const s = Math.max(0, Math.round((nowMs - (typeof at === 'number' ? at : Date.parse(at))) / 1000));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m`;
  if (s < 86_400) return `${Math.floor(s / 3600)}h`;
  return `${Math.floor(s / 86_400)}d`;
}

const int = (n: number) => n.toLocaleString('en-US');

export function modelName(m: JobView['model']): string {
  return typeof m === 'string' ? m : m.name;
}

function gpus(j: JobView): string {
  if (j.placement?.length) return int(j.placement.reduce((a, p) => a + p.gpus, 0));
  return j.gpus === null ? '-' : int(j.gpus);
}

export function jobsTable(jobs: JobView[], nowMs: number): string {
  if (jobs.length === 0) return 'no jobs';
  return table(
    ['ID', 'NAME', 'TENANT', 'STATE', 'GPUS', 'SITES', 'AGE', 'REASON'],
    jobs.map((j) => [
      j.id,
      j.name,
      j.tenant,
      j.state,
      gpus(j),
      j.sites.length ? j.sites.join(',') : '-',
      age(j.createdAt, nowMs),
      j.reason ?? '',
    ]),
  );
}

/** `jobs show`: one field a line, then plan, placement and checkpoint. */
export function jobDetail(j: JobView & { usage?: JobUsage }, nowMs: number): string {
  const rows: [string, string][] = [
    ['id', j.id],
    ['name', j.name],
    ['tenant', j.tenant],
    ['state', j.state + (j.reason ? ` (${j.reason})` : '')],
    ['model', modelName(j.model)],
    ['gpus requested', j.gpus === null ? '- (planner chooses)' : int(j.gpus)],
    ['tokens', j.tokens === null ? '-' : j.tokens.toExponential(3).replace('e+', 'e')],
    ['priority', String(j.priority)],
    ['jurisdictions', j.allowedJurisdictions?.join(', ') ?? 'any'],
    ['checkpointing', j.checkpointable ? 'yes' : 'no'],
    ['preemptible', j.preemptible ? 'yes' : 'no'],
    ['command', j.command ? j.command.map((a) => (/[\s'"]/.test(a) ? JSON.stringify(a) : a)).join(' ') : '-'],
    ['executor', j.executor ?? 'any'],
    ['attempt / run', `${j.attempt} / ${j.runId ?? '-'}`],
    ['created', `${j.createdAt} (${age(j.createdAt, nowMs)} ago)`],
    ['started', j.startedAt ?? '-'],
    ['finished', j.finishedAt ? `${j.finishedAt}${j.exitCode !== null ? ` (exit ${j.exitCode})` : ''}` : '-'],
  ];
  if (j.deadline) rows.push(['deadline', j.deadline]);
  const p = j.plan;
  if (p && p.error === undefined) {
    rows.push([
      'plan',
      `${p.strategy} tp ${p.tp} pp ${p.pp} dp ${p.dp}${p.cp > 1 ? ` cp ${p.cp}` : ''}${p.ep > 1 ? ` ep ${p.ep}` : ''} on ${int(p.gpus)} GPUs`,
    ]);
    rows.push([
      'predicted speed',
      `${int(Math.round(p.effectiveTokensPerSecond))} tokens/s, step ${p.stepTimeSeconds.toFixed(2)} s, MFU ${(p.mfu * 100).toFixed(1)} %`,
    ]);
  } else if (p?.error) rows.push(['plan', `none: ${p.error}`]);
  if (j.placement?.length) rows.push(['placement', j.placement.map((x) => `${x.site} ${int(x.gpus)} GPUs`).join(', ')]);
  if (j.checkpoint) {
    const c = j.checkpoint;
    rows.push([
      'checkpoint',
      `step ${int(c.step)} at ${new Date(c.at).toISOString()}${c.site ? ` on ${c.site}` : ''}${c.path ? ` (${c.path})` : ''}`,
    ]);
  }
  if (j.usage) rows.push(['used so far', usageLine(j.usage)]);
  const w = Math.max(...rows.map(([k]) => k.length));
  return rows.map(([k, v]) => `${k.padEnd(w)}  ${v}`).join('\n');
}

/** GPU-hours, energy, cost and emissions (GET /v1/jobs/:id usage), units in the text. */
export function usageLine(u: JobUsage): string {
  const kwh = u.energyMWh * 1000;
  const energy = kwh < 1000 ? `${kwh.toFixed(kwh < 10 ? 2 : 1)} kWh` : `${u.energyMWh.toFixed(2)} MWh`;
  const cost = u.costUsd === null ? 'cost unknown (no price series)' : `$${u.costUsd.toFixed(2)}`;
  const co2 = u.emissionsKgCO2e === null ? '' : `, ${u.emissionsKgCO2e.toFixed(1)} kg CO2e`;
  return `${u.gpuHours.toFixed(2)} GPU-hours, ${energy}, ${cost}${co2}`;
}

function eventData(d: Record<string, unknown> | null): string {
  if (!d) return '';
  return Object.entries(d)
    .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
    .join(' ');
}

export function eventRow(e: EventView): string[] {
  const move = e.from || e.to ? `${e.from ?? ''}->${e.to ?? ''}` : '';
  return [String(e.seq), e.at, e.type, move, e.site ?? '', eventData(e.data)];
}

export const EVENT_HEADER = ['SEQ', 'AT', 'TYPE', 'STATE', 'SITE', 'DETAIL'];
/** Fixed widths for a followed stream, where the widest row is not known in advance. */
const EVENT_WIDTHS = [6, 24, 22, 24, 8];

/** One event (or the header) as a line of fixed-width columns. */
export function eventLine(cells: string[]): string {
  return cells
    .map((c, i) => (i < EVENT_WIDTHS.length ? c.padEnd(EVENT_WIDTHS[i]) : c))
    .join('  ')
    .trimEnd();
}

export function eventsTable(events: EventView[]): string {
  return events.length === 0 ? 'no events' : table(EVENT_HEADER, events.map(eventRow));
}

export function sitesTable(sites: SiteStatusView[], nowMs: number): string {
  return table(
    ['ID', 'NAME', 'STATUS', 'DRAINED', 'JURISDICTION', 'GPUS USED', 'EXECUTOR', 'HEARTBEAT'],
    sites.map((s) => [
      s.id,
      s.name,
      s.status,
      s.drained ? 'yes' : 'no',
      s.jurisdiction,
      `${int(s.usedGpus)} / ${int(s.gpus)}`,
      s.executor ?? '-',
      s.lastHeartbeatAt === null ? '-' : `${age(s.lastHeartbeatAt, nowMs)} ago (${s.heartbeat ?? '?'})`,
    ]),
  );
}
