// What a fabric adds up to: GPUs, peak compute, power against each site's cap, and WAN links.
// Pure: no I/O.
import { itW } from '../core/power.js';
import { greatCircleKm } from './geo.js';
import type { Fabric } from './types.js';

export interface SiteSummary {
  id: string;
  name: string;
  jurisdiction: string;
  gridZone: string;
  /** System ids of the site's pods, without repeats. */
  systems: string[];
  gpus: number;
  /** Sum of GPUs x peak dense BF16, PFLOP/s. */
  peakBf16PFlops: number;
  /** GPUs x systemPowerPerGpuW, MW. */
  itMW: number;
  /** IT power x PUE, MW. */
  facilityMW: number;
  pue: number;
  powerCapMW: number;
  /** powerCapMW - facilityMW. */
  headroomMW: number;
}

export interface WanLinkSummary {
  id: string;
  a: string;
  b: string;
  routeKm: number;
  greatCircleKm: number;
  /** routeKm / greatCircleKm. */
  routeFactor: number;
  oneWayLatencyMs: number;
  rttMs: number;
  capacityTbps: number;
}

/** A torus pod (TPU slice): its shape, the OCS-joined blocks it is made of, ICI per link and DCN per chip. */
export interface TorusPodSummary {
  site: string;
  pod: string;
  system: string;
  chips: number;
  /** e.g. "12x16x16". */
  torus: string;
  blocks: number;
  /** e.g. "4x4x4"; empty for fixed-shape tori (Trn2 UltraServers: `blocks` tori of `torus` each). */
  blockShape: string;
  iciLinkGBps: number;
  dcnGbpsPerChip: number;
}

export interface FabricSummary {
  name: string;
  description: string;
  sites: SiteSummary[];
  /** Torus pods (non-fat-tree scale-up): empty for switched systems. */
  torusPods: TorusPodSummary[];
  totals: { sites: number; gpus: number; peakBf16PFlops: number; itMW: number; facilityMW: number; powerCapMW: number };
  wanLinks: WanLinkSummary[];
}

function torusPods(f: Fabric): TorusPodSummary[] {
  const out: TorusPodSummary[] = [];
  for (const s of f.sites)
    for (const p of s.pods) {
      if (p.torus === undefined) continue;
      out.push({
        site: s.id,
        pod: p.id,
        system: p.system.id,
        chips: p.gpus,
        torus: p.torus.dims.join('x'),
        blocks: p.torus.blocks,
        blockShape: p.torus.ocsBlockDims.join('x'),
        iciLinkGBps: p.torus.linkGBpsPerDirection,
        dcnGbpsPerChip: p.network.nicGbpsPerGpu,
      });
    }
  return out;
}

export function summarizeFabric(f: Fabric): FabricSummary {
  const sites: SiteSummary[] = f.sites.map((s) => {
    let peakTflops = 0;
    for (const p of s.pods) peakTflops += p.gpus * p.system.gpu.bf16DenseTflops;
    const itMW = itW(s.pods) / 1e6;
    const facilityMW = itMW * s.pue;
    return {
      id: s.id,
      name: s.name,
      jurisdiction: s.jurisdiction,
      gridZone: s.gridZone,
      systems: [...new Set(s.pods.map((p) => p.system.id))],
      gpus: s.gpus,
      peakBf16PFlops: peakTflops / 1000,
      itMW,
      facilityMW,
      pue: s.pue,
      powerCapMW: s.powerMW,
      headroomMW: s.powerMW - facilityMW,
    };
  });
  const byId = new Map(f.sites.map((s) => [s.id, s]));
  const wanLinks: WanLinkSummary[] = f.wanLinks.map((l) => {
    const a = byId.get(l.a);
    const b = byId.get(l.b);
    const gc = a !== undefined && b !== undefined ? greatCircleKm(a.lat, a.lon, b.lat, b.lon) : Number.NaN;
    return {
      id: l.id,
      a: l.a,
      b: l.b,
      routeKm: l.routeKm,
      greatCircleKm: gc,
      routeFactor: gc > 0 ? l.routeKm / gc : Number.NaN,
      oneWayLatencyMs: l.latencyMs,
      rttMs: 2 * l.latencyMs,
      capacityTbps: l.capacityGbps / 1000,
    };
  });
  const sum = (k: 'gpus' | 'peakBf16PFlops' | 'itMW' | 'facilityMW' | 'powerCapMW'): number =>
    sites.reduce((acc, s) => acc + s[k], 0);
  return {
    name: f.name,
    description: f.description,
    sites,
    torusPods: torusPods(f),
    totals: {
      sites: sites.length,
      gpus: sum('gpus'),
      peakBf16PFlops: sum('peakBf16PFlops'),
      itMW: sum('itMW'),
      facilityMW: sum('facilityMW'),
      powerCapMW: sum('powerCapMW'),
    },
    wanLinks,
  };
}

const int = (x: number): string => Math.round(x).toLocaleString('en-US');
const fixed = (x: number, d: number): string =>
  Number.isFinite(x) ? x.toLocaleString('en-US', { minimumFractionDigits: d, maximumFractionDigits: d }) : '-';

/** Render rows as an aligned plain-text table; columns in `right` are right-aligned. */
export function renderTable(header: string[], rows: string[][], right: ReadonlySet<number>): string {
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => (r[c] ?? '').length)));
  const line = (cells: string[]): string =>
    cells
      .map((cell, c) => (right.has(c) ? cell.padStart(widths[c]) : cell.padEnd(widths[c])))
      .join('  ')
      .trimEnd();
  const rule = widths.map((w) => '-'.repeat(w)).join('  ');
  return [line(header), rule, ...rows.map(line)].join('\n');
}

/** Plain-text report: one table of sites with a total row, one of WAN links. */
export function formatFabricSummary(s: FabricSummary): string {
  const out: string[] = [];
  out.push(`Fabric ${s.name}${s.description !== '' ? `: ${s.description.trim()}` : ''}`);
  out.push('');
  pushSiteTable(out, s);
  out.push('');
  pushTorusTable(out, s);
  pushWanTable(out, s);
  return out.join('\n');
}

function pushSiteTable(out: string[], s: FabricSummary): void {
  const siteRows = s.sites.map((x) => [
    x.id,
    x.name,
    x.jurisdiction,
    x.gridZone,
    x.systems.join(','),
    int(x.gpus),
    fixed(x.peakBf16PFlops, 1),
    fixed(x.itMW, 1),
    fixed(x.facilityMW, 1),
    fixed(x.powerCapMW, 1),
    fixed(x.headroomMW, 1),
  ]);
  siteRows.push([
    'total',
    `${s.totals.sites} site${s.totals.sites === 1 ? '' : 's'}`,
    '',
    '',
    '',
    int(s.totals.gpus),
    fixed(s.totals.peakBf16PFlops, 1),
    fixed(s.totals.itMW, 1),
    fixed(s.totals.facilityMW, 1),
    fixed(s.totals.powerCapMW, 1),
    fixed(s.totals.powerCapMW - s.totals.facilityMW, 1),
  ]);
  out.push(
    renderTable(
      [
        'site',
        'name',
        'juris.',
        'grid',
        'systems',
        'GPUs',
        'BF16 PFLOP/s',
        'IT MW',
        'facility MW',
        'cap MW',
        'headroom MW',
      ],
      siteRows,
      new Set([5, 6, 7, 8, 9, 10]),
    ),
  );
}

function pushTorusTable(out: string[], s: FabricSummary): void {
  if (s.torusPods.length > 0) {
    out.push('Torus pods (3D-torus ICI inside the pod, OCS-joined blocks; DCN between pods)');
    out.push(
      renderTable(
        ['site', 'pod', 'system', 'chips', 'torus', 'OCS blocks', 'ICI GB/s per link', 'DCN Gb/s per chip'],
        s.torusPods.map((t) => [
          t.site,
          t.pod,
          t.system,
          int(t.chips),
          t.torus,
          t.blockShape !== '' ? `${t.blocks} x ${t.blockShape}` : `${t.blocks} tori, no OCS`,
          fixed(t.iciLinkGBps, 1),
          fixed(t.dcnGbpsPerChip, 0),
        ]),
        new Set([3, 6, 7]),
      ),
    );
    out.push('');
  }
}

function pushWanTable(out: string[], s: FabricSummary): void {
  if (s.wanLinks.length === 0) {
    out.push('WAN links: none');
  } else {
    out.push('WAN links');
    out.push(
      renderTable(
        ['link', 'a', 'b', 'route km', 'great-circle km', 'route/gc', 'one-way ms', 'RTT ms', 'capacity Tb/s'],
        s.wanLinks.map((l) => [
          l.id,
          l.a,
          l.b,
          int(l.routeKm),
          int(l.greatCircleKm),
          fixed(l.routeFactor, 2),
          fixed(l.oneWayLatencyMs, 2),
          fixed(l.rttMs, 2),
          fixed(l.capacityTbps, 1),
        ]),
        new Set([3, 4, 5, 6, 7, 8]),
      ),
    );
  }
}
