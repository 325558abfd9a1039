// Cost and energy of live jobs, as the twin counts them (src/sim/engine/accounting.ts chargeJob): a job's GPUs
// draw busy power (rated system W x DEFAULT_BUSY_POWER_FRACTION x the site's PUE, src/core/power.ts) while it
// is running or checkpointing; energy is that power over the time, cost and emissions the same power over the
// site's hourly price and carbon series. Time is wall-clock time as the store recorded the transitions (a twin
// site with a speedup simulates faster than that: its jobs are counted at wall time). PURE: the events, the
// rates and the clock's reading are passed in.
import type { UsageFigures } from '../../contract/usage.js';
import { DEFAULT_BUSY_POWER_FRACTION, facilityWPerGpu, mainPod } from '../../core/power.js';
import type { Fabric } from '../../fabric/types.js';
import type { HourlyIntegral } from '../../sim/grid.js';
import type { Job, JobEvent, JobState, PlacementPart } from '../domain.js';

/** States in which a job's GPUs compute (a checkpoint write keeps them busy too). */
const BUSY: ReadonlySet<JobState> = new Set<JobState>(['running', 'checkpointing']);

/** One stretch of time a placement's GPUs were busy, epoch ms. */
export interface BusySegment {
  fromMs: number;
  toMs: number;
  parts: Pick<PlacementPart, 'site' | 'gpus' | 'pod'>[];
}

/** Per site: busy facility W per GPU by pod (and for a part without a pod), and its grid series (null: none). */
export interface SiteRates {
  busyWPerGpu: Map<string, number>;
  defaultBusyWPerGpu: number;
  price: HourlyIntegral | null;
  carbon: HourlyIntegral | null;
}

/** Busy W per GPU of every site and pod of a fabric (the grid series are added by the edge that reads them). */
export function powerRates(fabric: Fabric): Map<string, Omit<SiteRates, 'price' | 'carbon'>> {
  const out = new Map<string, Omit<SiteRates, 'price' | 'carbon'>>();
  for (const s of fabric.sites) {
    const w = (perGpuW: number) => facilityWPerGpu(perGpuW, s.pue, DEFAULT_BUSY_POWER_FRACTION);
    const main = mainPod(s.pods);
    out.set(s.id, {
      busyWPerGpu: new Map(s.pods.map((p) => [p.id, w(p.system.systemPowerPerGpuW)])),
      defaultBusyWPerGpu: main ? w(main.system.systemPowerPerGpuW) : 0,
    });
  }
  return out;
}

const placementOf = (data: Record<string, unknown> | null): BusySegment['parts'] | null =>
  Array.isArray(data?.placement) ? (data.placement as BusySegment['parts']) : null;

/**
 * The job's busy stretches from its transition events (oldest first). Each transition that set a placement
 * carries it (store/apply.ts); events written before that fall back to the job's current placement. A stretch
 * still open ends at `nowMs`.
 */
export function busySegments(job: Job, events: readonly JobEvent[], nowMs: number): BusySegment[] {
  const out: BusySegment[] = [];
  let parts: BusySegment['parts'] | null = null;
  let open: number | null = null;
  const close = (at: number) => {
    const p = parts ?? job.placement ?? [];
    if (open !== null && at > open && p.length > 0) out.push({ fromMs: open, toMs: at, parts: p });
    open = null;
  };
  for (const e of events) {
    if (e.type !== 'job.transition' || e.to === null) continue;
    const busyNow = BUSY.has(e.to);
    if (open !== null && !busyNow) close(e.at);
    parts = placementOf(e.data) ?? parts;
    if (busyNow && open === null) open = e.at;
  }
  if (open !== null && BUSY.has(job.state)) close(nowMs);
  return out;
}

/** Seconds since the start of the UTC year of `ms`: where the 8,760-hour grid series are read (as telemetry does). */
function yearSeconds(ms: number): number {
  return (ms - Date.UTC(new Date(ms).getUTCFullYear(), 0, 1)) / 1000;
}

/** The figures of some busy stretches within [fromMs, toMs]. Sites missing from `rates` count no energy. */
export function usageOf(
  segments: readonly BusySegment[],
  rates: ReadonlyMap<string, SiteRates>,
  fromMs: number,
  toMs: number,
): UsageFigures {
  let gpuS = 0;
  let energyJ = 0;
  let costUsd: number | null = 0;
  let carbonG: number | null = 0;
  for (const seg of segments) {
    const a = Math.max(seg.fromMs, fromMs);
    const b = Math.min(seg.toMs, toMs);
    if (b <= a) continue;
    const dtS = (b - a) / 1000;
    const t0 = yearSeconds(a);
    for (const part of seg.parts) {
      const r = rates.get(part.site);
      if (!r) continue;
      const w =
        part.gpus * ((part.pod !== undefined ? r.busyWPerGpu.get(part.pod) : undefined) ?? r.defaultBusyWPerGpu);
      gpuS += part.gpus * dtS;
      energyJ += w * dtS;
      // W x (USD/MWh x s) / 3.6e9 = USD; W x (g/kWh x s) / 3.6e6 = g (the twin's integrals)
      costUsd = r.price && costUsd !== null ? costUsd + (w * r.price.integrate(t0, t0 + dtS)) / 3.6e9 : null;
      carbonG = r.carbon && carbonG !== null ? carbonG + (w * r.carbon.integrate(t0, t0 + dtS)) / 3.6e6 : null;
    }
  }
  return {
    gpuHours: gpuS / 3600,
    energyMWh: energyJ / 3.6e9,
    costUsd,
    emissionsKgCO2e: carbonG === null ? null : carbonG / 1000,
  };
}

/** Adds figures (a null cost or emission stays null: one site without a series makes the sum unknown). */
export function addUsage(a: UsageFigures, b: UsageFigures): UsageFigures {
  return {
    gpuHours: a.gpuHours + b.gpuHours,
    energyMWh: a.energyMWh + b.energyMWh,
    costUsd: a.costUsd === null || b.costUsd === null ? null : a.costUsd + b.costUsd,
    emissionsKgCO2e:
      a.emissionsKgCO2e === null || b.emissionsKgCO2e === null ? null : a.emissionsKgCO2e + b.emissionsKgCO2e,
  };
}

export const ZERO_USAGE: UsageFigures = { gpuHours: 0, energyMWh: 0, costUsd: 0, emissionsKgCO2e: 0 };
