// Number and time formatting for the dashboard (SI prefixes, units in the label).

export function si(x: number | null | undefined, digits = 3): string {
  if (x === null || x === undefined || !Number.isFinite(x)) return '—';
  const a = Math.abs(x);
  const units: [number, string][] = [
    [1e15, 'P'],
    [1e12, 'T'],
    [1e9, 'G'],
    [1e6, 'M'],
    [1e3, 'k'],
  ];
  for (const [f, u] of units) if (a >= f) return `${(x / f).toPrecision(digits)}${u}`;
  return a >= 100 || Number.isInteger(x) ? String(Math.round(x)) : x.toPrecision(digits);
}

export const int = (x: number | null | undefined): string =>
  x === null || x === undefined || !Number.isFinite(x) ? '—' : Math.round(x).toLocaleString('en-US');
export const pct = (x: number | null | undefined, d = 0): string =>
  x === null || x === undefined || !Number.isFinite(x) ? '—' : `${(x * 100).toFixed(d)}%`;
export const fixed = (x: number | null | undefined, d = 1): string =>
  x === null || x === undefined || !Number.isFinite(x) ? '—' : x.toFixed(d);

/** Gb/s with a readable prefix: 100000 -> "100 Tb/s". */
export function gbps(x: number): string {
  if (x >= 1e6) return `${+(x / 1e6).toPrecision(3)} Pb/s`;
  if (x >= 1e3) return `${+(x / 1e3).toPrecision(3)} Tb/s`;
  if (x >= 1 || x === 0) return `${+x.toPrecision(3)} Gb/s`;
  return `${+(x * 1e3).toPrecision(3)} Mb/s`;
}

export function seconds(s: number | null | undefined): string {
  if (s === null || s === undefined || !Number.isFinite(s)) return '—';
  if (s < 1e-3) return `${(s * 1e6).toFixed(0)} µs`;
  if (s < 1) return `${(s * 1e3).toFixed(1)} ms`;
  if (s < 120) return `${s.toFixed(1)} s`;
  if (s < 7200) return `${(s / 60).toFixed(0)} min`;
  if (s < 172800) return `${(s / 3600).toFixed(1)} h`;
  return `${(s / 86400).toFixed(1)} d`;
}

export function ago(iso: string | null | undefined, now = Date.now()): string {
  if (!iso) return '—';
  const s = (now - Date.parse(iso)) / 1000;
  if (s < 5) return 'just now';
  if (s < 90) return `${Math.round(s)} s ago`;
  if (s < 5400) return `${Math.round(s / 60)} min ago`;
  return `${(s / 3600).toFixed(1)} h ago`;
}

export const time = (iso: string): string => new Date(iso).toLocaleTimeString('en-GB', { hour12: false });
