// Scripted scenario windows: site down, drain, power cap, WAN degradation; and drained jobs moving at a checkpoint.
import { nextCheckpointAfterS } from '../../core/progress.js';
import type { SimEvent } from '../event-queue.js';
import { accumulate } from './accounting.js';
import { EV, type SimContext } from './context.js';
import { interruptSite } from './on-failure.js';
import { beginSegment, closeSegment, interrupt, markDirty, progressOf } from './lifecycle.js';
import { stragglerWindow } from './stragglers.js';
import { runIndexOf } from './run.js';

/** A scenario names a site or WAN link the fabric does not have. */
export class ScenarioRefError extends Error {
  constructor(
    readonly path: string,
    readonly value: string,
    readonly known: string[],
  ) {
    super(`${path}: "${value}" is not in the fabric (known: ${known.join(', ')})`);
  }
}

type ScenarioEvent = Record<string, unknown>;

function siteWindow(ctx: SimContext, idxEvent: number, se: ScenarioEvent, start: boolean): void {
  const idx = ctx.siteIndex.get(se.site as string);
  if (idx === undefined)
    throw new ScenarioRefError(`events[${idxEvent}].site`, se.site as string, [...ctx.siteIndex.keys()]);
  const s = ctx.state.sites[idx];
  if ('down' in se) {
    s.status = start ? 'down' : 'up';
    ctx.siteDown[idx] = start;
    if (start) interruptSite(ctx, s.id, ctx.now);
  } else if ('drain' in se) {
    s.status = start ? 'draining' : 'up';
    if (start) scheduleDrainMoves(ctx, s.id);
  } else {
    const site = ctx.fabricSite.get(s.id)!;
    s.powerCapW = start ? (se.powerCapMW as number) * 1e6 : site.powerMW > 0 ? site.powerMW * 1e6 : Infinity;
  }
}

/** Checkpointable jobs on a draining site move at their next checkpoint; others run to the end. */
function scheduleDrainMoves(ctx: SimContext, siteId: string): void {
  for (const rj of ctx.running) {
    if (!rj.allocation.sites.includes(siteId)) continue;
    const i = runIndexOf(rj.job);
    const r = ctx.runs[i];
    if (!r.spec.checkpointable) continue;
    const next = nextCheckpointAfterS(r.seg, ctx.now);
    if (next !== null) ctx.ev.push(next, EV.DrainMove, i, r.version);
  }
}

function wanWindow(ctx: SimContext, idxEvent: number, se: ScenarioEvent, start: boolean): void {
  const id = se.wan as string;
  const link = ctx.fabric.wanLinks.find((l) => l.id === id || `${l.a}-${l.b}` === id || `${l.b}-${l.a}` === id);
  if (!link)
    throw new ScenarioRefError(
      `events[${idxEvent}].wan`,
      id,
      ctx.fabric.wanLinks.map((l) => l.id),
    );
  const capacity = se.capacity as number;
  ctx.wanFactor.set(link.id, start ? capacity : 1);
  const affected: number[] = [];
  for (const rj of ctx.running)
    if (rj.allocation.sites.includes(link.a) && rj.allocation.sites.includes(link.b)) affected.push(runIndexOf(rj.job));
  affected.sort((x, y) => x - y);
  for (const i of affected) {
    const r = ctx.runs[i];
    if (start && capacity === 0) {
      interrupt(ctx, i, ctx.now, 'failure', true);
    } else {
      // re-rate: a new segment at the new speed, keeping progress and the last checkpoint
      const { work, saved } = progressOf(r, ctx.now);
      closeSegment(ctx, r, ctx.now);
      beginSegment(ctx, i, ctx.now, 0, work, saved);
    }
  }
}

/** ScenarioStart and ScenarioEnd of scenario event e.a. */
export function onScenarioWindow(ctx: SimContext, e: SimEvent): void {
  const start = e.kind === EV.ScenarioStart;
  const se = ctx.scenario.events[e.a] as ScenarioEvent;
  accumulate(ctx, ctx.now);
  if ('straggler' in se) {
    if (!ctx.siteIndex.has(se.site as string))
      throw new ScenarioRefError(`events[${e.a}].site`, se.site as string, [...ctx.siteIndex.keys()]);
    stragglerWindow(ctx, e.a, se as Parameters<typeof stragglerWindow>[2], start);
  } else if ('down' in se || 'drain' in se || 'powerCapMW' in se) siteWindow(ctx, e.a, se, start);
  else if ('wan' in se) wanWindow(ctx, e.a, se, start);
  markDirty(ctx, ctx.now);
}

export function onDrainMove(ctx: SimContext, e: SimEvent): void {
  const r = ctx.runs[e.a];
  if (r.phase !== 'running' || r.version !== e.b) return;
  if (!r.alloc!.sites.some((s) => ctx.state.sites[ctx.siteIndex.get(s)!].status === 'draining')) return;
  interrupt(ctx, e.a, ctx.now, 'drain', true);
  markDirty(ctx, ctx.now);
}
