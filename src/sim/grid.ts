// Hourly grid carbon intensity and electricity price per grid zone, from the real 2022 series in
// data/grid (see docs/sources.md (section "Digital twin")). Simulation time 0 maps to `startHourOfYear` of 2022;
// the series wrap around at the end of the year. Pure: which files a zone reads and how a CSV becomes a series;
// the edge (grid-files.ts, called by the CLI and the control plane) reads the files and hands the series in.
import type { InputIssue } from '../fabric/types.js';

export interface GridSeries {
  zone: string;
  carbonSource: string;
  priceSource: string;
  /** gCO2e/kWh per hour of the year. */
  carbonGPerKWh: Float64Array;
  /** USD/MWh per hour of the year. */
  priceUsdPerMWh: Float64Array;
}

/**
 * Carbon: EIA-930 2022 hourly production-based avg_CI from HewlettPackard/dc-rl for these balancing
 * authorities. PACW has no file: ASSUMPTION, BPAT (its Pacific-Northwest neighbour) stands in.
 */
const CARBON_BA: Record<string, string> = {
  SOCO: 'SOCO',
  MISO: 'MISO',
  PJM: 'PJM',
  ERCO: 'ERCO',
  ERCOT: 'ERCO',
  CISO: 'CISO',
  CAISO: 'CISO',
  NYIS: 'NYIS',
  NYISO: 'NYIS',
  BPAT: 'BPAT',
  AZPS: 'AZPS',
  PACW: 'BPAT',
};
/**
 * Price: green-dcc standardized 2022 hourly series (CAISO day-ahead NP15, ERCOT day-ahead hub
 * average, PJM real-time DOM zone, NYISO day-ahead CAPITL). SOCO has no market price and MISO has
 * no file here: ASSUMPTION, both (and any other zone) use PJM-DOM, the nearest eastern market.
 */
const PRICE_ZONE: Record<string, string> = {
  CISO: 'US-CAL-CISO',
  ERCO: 'US-TEX-ERCO',
  PJM: 'US-MIDA-PJM',
  NYIS: 'US-NY-NYIS',
};
const PRICE_FALLBACK = 'US-MIDA-PJM';

export class GridDataError extends Error {
  constructor(readonly issues: InputIssue[]) {
    super(issues.map((i) => `${i.path}: ${i.message} (${i.hint})`).join('; '));
  }
}

/** One numeric column of a CSV text (`file` names it in errors); a gap carries the previous hour over. */
export function parseGridColumn(text: string, column: string, file: string): Float64Array {
  const lines = text.split(/\r?\n/);
  const header = lines[0].split(',');
  const idx = header.findIndex((h) => h.trim() === column);
  if (idx < 0)
    throw new GridDataError([
      { path: file, message: `column ${column} missing`, hint: 'use the files listed in data/grid/README.md' },
    ]);
  const out: number[] = [];
  let last = 0;
  for (let i = 1; i < lines.length; i++) {
    if (!lines[i]) continue;
    const v = Number(lines[i].split(',')[idx]);
    last = Number.isFinite(v) ? v : last; // carry the previous hour over a gap
    out.push(last);
  }
  return Float64Array.from(out.slice(0, 8760));
}

export function knownGridZones(): string[] {
  return Object.keys(CARBON_BA);
}

/** Where a zone's series live (path parts under data/grid) and how to credit them; a clear error for an unknown zone. */
export interface GridZoneFiles {
  zone: string;
  carbonFile: string[];
  priceFile: string[];
  carbonSource: string;
  priceSource: string;
}

export function gridZoneFiles(zone: string): GridZoneFiles {
  const ba = CARBON_BA[zone.toUpperCase()];
  if (!ba) {
    throw new GridDataError([
      {
        path: 'site.gridZone',
        message: `no hourly carbon series for grid zone "${zone}"`,
        hint: `use one of ${knownGridZones().join(', ')}, or pass constant values with --grid-constant`,
      },
    ]);
  }
  const priceZone = PRICE_ZONE[ba] ?? PRICE_FALLBACK;
  return {
    zone,
    carbonFile: ['carbon', 'eia930_2022_dc-rl', `${ba}_2022_hourly_fuelmix_avgCI.csv`],
    priceFile: ['prices', 'green-dcc_standardized_usd_mwh', `${priceZone}_electricity_prices_2022.csv`],
    carbonSource: `EIA-930 2022 ${ba} avg_CI (HewlettPackard/dc-rl)${ba !== zone.toUpperCase() ? ` standing in for ${zone}` : ''}`,
    priceSource: `${priceZone} 2022 (HewlettPackard/green-dcc)${PRICE_ZONE[ba] ? '' : ` standing in for ${zone} (assumption)`}`,
  };
}

/** A zone's series from the texts of its two files (see gridZoneFiles). */
export function gridSeriesFromCsv(files: GridZoneFiles, carbonCsv: string, priceCsv: string): GridSeries {
  return {
    zone: files.zone,
    carbonSource: files.carbonSource,
    priceSource: files.priceSource,
    carbonGPerKWh: parseGridColumn(carbonCsv, 'avg_CI', files.carbonFile.join('/')),
    priceUsdPerMWh: parseGridColumn(priceCsv, 'Price (USD/MWh)', files.priceFile.join('/')),
  };
}

/** Constant series (tests, or when the shared data is not wanted). */
export function constantGridSeries(zone: string, carbonGPerKWh: number, priceUsdPerMWh: number): GridSeries {
  return {
    zone,
    carbonSource: 'constant',
    priceSource: 'constant',
    carbonGPerKWh: Float64Array.of(carbonGPerKWh),
    priceUsdPerMWh: Float64Array.of(priceUsdPerMWh),
  };
}

/** Fast lookups and integrals over a wrapped hourly series. */
export class HourlyIntegral {
  private prefix: Float64Array;
  private total: number;
  constructor(
    readonly values: Float64Array,
    readonly offsetS: number,
  ) {
    this.prefix = new Float64Array(values.length + 1);
    for (let i = 0; i < values.length; i++) this.prefix[i + 1] = this.prefix[i] + values[i] * 3600;
    this.total = this.prefix[values.length];
  }
  at(tS: number): number {
    const n = this.values.length;
    const h = Math.floor((tS + this.offsetS) / 3600);
    return this.values[((h % n) + n) % n];
  }
  /** Value-seconds from 0 to t (t >= 0). */
  private cum(tS: number): number {
    const t = tS + this.offsetS;
    const n = this.values.length;
    const period = n * 3600;
    const cycles = Math.floor(t / period);
    const r = t - cycles * period;
    const h = Math.min(n - 1, Math.floor(r / 3600));
    return cycles * this.total + this.prefix[h] + this.values[h] * (r - h * 3600);
  }
  /** Integral of the series over [t0, t1] in value x seconds. */
  integrate(t0: number, t1: number): number {
    return t1 > t0 ? this.cum(t1) - this.cum(t0) : 0;
  }
  /** Next `hours` hourly values starting at t (for forecasts). */
  window(tS: number, hours: number): number[] {
    const out: number[] = [];
    for (let h = 0; h < hours; h++) out.push(this.at(tS + h * 3600));
    return out;
  }
}
