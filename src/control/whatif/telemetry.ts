// Live view for the map: per-site GPUs in use, power drawn vs cap, grid carbon intensity now; WAN use per link.
import type { MeasuredView, Telemetry } from '../../contract/responses.js';
import { drawW, siteFacilityWPerGpu } from '../../core/power.js';
import type { Fabric } from '../../fabric/types.js';
import { loadGridSeries } from '../../sim/grid-files.js';
import { ACTIVE_STATES, type Job } from '../domain.js';
import type { Store } from '../store/types.js';

/** The 2022 hourly series at this hour of the year (the only year the grid data covers). */
function hourOfYear(ms: number): number {
  const d = new Date(ms);
  const start = Date.UTC(d.getUTCFullYear(), 0, 1);
  return Math.min(8759, Math.floor((ms - start) / 3_600_000));
}

type GridNow = { carbonGPerKWh: number | null; priceUsdPerMWh: number | null; source: string | null };

/** A zone without a series shows no carbon figure (null) rather than failing the whole view. */
function gridNow(zone: string, hour: number, onMissing: (zone: string, err: unknown) => void): GridNow {
  try {
    const s = loadGridSeries(zone);
    return {
      carbonGPerKWh: s.carbonGPerKWh[hour % s.carbonGPerKWh.length],
      priceUsdPerMWh: s.priceUsdPerMWh[hour % s.priceUsdPerMWh.length],
      source: s.carbonSource,
    };
  } catch (err) {
    onMissing(zone, err);
    return { carbonGPerKWh: null, priceUsdPerMWh: null, source: null };
  }
}

/** A job's measured WAN rate: each site sends wanBytesPerStep per step (the gang's mean), Gb/s; null unmeasured. */
export function measuredWanGbps(m: MeasuredView | null): number | null {
  if (!m || m.wanBytesPerStep === null || m.stepTimeSeconds === null || !(m.stepTimeSeconds > 0)) return null;
  return (m.wanBytesPerStep * 8) / m.stepTimeSeconds / 1e9;
}

export async function telemetry(
  fabric: Fabric,
  store: Store,
  nowMs: number,
  onMissingGrid: (zone: string, err: unknown) => void = () => undefined,
  measuredOf?: (job: Job) => Promise<MeasuredView | null>,
): Promise<Telemetry> {
  const active = await store.listJobs({ states: [...ACTIVE_STATES], limit: 100_000, order: 'oldest' });
  const used = new Map<string, number>();
  const wan = new Map<string, { gbps: number; jobs: number; measuredGbps: number | null }>();
  const linkOf = (a: string, b: string) =>
    fabric.wanLinks.find((l) => (l.a === a && l.b === b) || (l.a === b && l.b === a));
  for (const j of active.jobs) {
    const sites = [...new Set((j.placement ?? []).map((p) => p.site))];
    for (const part of j.placement ?? []) used.set(part.site, (used.get(part.site) ?? 0) + part.gpus);
    if (sites.length < 2 || (j.state !== 'running' && j.state !== 'checkpointing')) continue;
    const gbps = j.plan?.wanGbpsUsed ?? 0;
    const measured = measuredOf ? measuredWanGbps(await measuredOf(j)) : null;
    for (let i = 0; i < sites.length; i++) {
      for (let k = i + 1; k < sites.length; k++) {
        const l = linkOf(sites[i], sites[k]);
        if (!l) continue;
        const cur = wan.get(l.id) ?? { gbps: 0, jobs: 0, measuredGbps: null };
        cur.gbps += gbps;
        cur.jobs += 1;
        if (measured !== null) cur.measuredGbps = (cur.measuredGbps ?? 0) + measured;
        wan.set(l.id, cur);
      }
    }
  }
  const hour = hourOfYear(nowMs);
  return {
    at: new Date(nowMs).toISOString(),
    carbonNote: 'grid intensity: the 2022 hourly series (EIA-930) at the current hour of the year',
    sites: fabric.sites.map((s) => {
      const u = Math.min(s.gpus, used.get(s.id) ?? 0);
      const drawMW = drawW(siteFacilityWPerGpu(s), s.gpus, u) / 1e6;
      const c = gridNow(s.gridZone, hour, onMissingGrid);
      return {
        id: s.id,
        gridZone: s.gridZone,
        gpus: s.gpus,
        usedGpus: u,
        freeGpus: s.gpus - u,
        powerCapMW: s.powerMW,
        powerDrawMW: Math.round(drawMW * 100) / 100,
        carbonGPerKWh: c.carbonGPerKWh,
        priceUsdPerMWh: c.priceUsdPerMWh,
        carbonSource: c.source,
      };
    }),
    wanLinks: fabric.wanLinks.map((l) => {
      const u = wan.get(l.id) ?? { gbps: 0, jobs: 0, measuredGbps: null };
      return {
        id: l.id,
        a: l.a,
        b: l.b,
        capacityGbps: l.capacityGbps,
        latencyMs: l.latencyMs,
        usedGbps: Math.round(u.gbps * 10) / 10,
        utilization: l.capacityGbps > 0 ? Math.min(1, u.gbps / l.capacityGbps) : 0,
        jobs: u.jobs,
        measuredGbps: u.measuredGbps === null ? null : Math.round(u.measuredGbps * 1e4) / 1e4,
      };
    }),
  };
}
