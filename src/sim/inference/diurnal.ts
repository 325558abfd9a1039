// A diurnal demand curve over a request trace (issue 15: serving peaks by day and ebbs at night). The shipped Azure
// traces cover one hour each, too short to show a day's shape, so the shape is an ASSUMPTION (docs/sources.md,
// "Inference twin"): a sinusoid of period one day with a given peak-to-trough ratio and peak hour, mean 1, so the
// trace's own mean rate is kept. Arrivals are time-warped (t -> tau with integral_0^tau m = t): the same requests,
// denser at the peak. Pure.
import type { RequestTrace } from '../../workload/azure-llm.js';

export interface DiurnalProfile {
  /** Rate at the peak over the rate at the trough (>= 1). */
  peakToTrough: number;
  /** Hour of the day (UTC, 0-24) of the peak. */
  peakHourUtc: number;
}

const DAY_S = 86400;

/** Rate multiplier at trace time t (mean 1 over a day). */
export function diurnalMultiplier(p: DiurnalProfile, startEpochS: number, tS: number): number {
  const a = (p.peakToTrough - 1) / (p.peakToTrough + 1);
  const phase = ((startEpochS % DAY_S) + tS - p.peakHourUtc * 3600) / DAY_S;
  return 1 + a * Math.cos(2 * Math.PI * phase);
}

/** The trace with arrivals warped so the rate follows the profile. */
export function applyDiurnal(trace: RequestTrace, p: DiurnalProfile): RequestTrace {
  const a = (p.peakToTrough - 1) / (p.peakToTrough + 1);
  const w = (2 * Math.PI) / DAY_S;
  const phi = (trace.startEpochS % DAY_S) - p.peakHourUtc * 3600;
  // cumulative multiplier M(tau) = tau + a/w (sin(w(tau + phi)) - sin(w phi)), increasing since a < 1
  const cum = (tau: number): number => tau + (a / w) * (Math.sin(w * (tau + phi)) - Math.sin(w * phi));
  const out = new Float64Array(trace.arrivalS.length);
  let tau = 0;
  for (let i = 0; i < out.length; i++) {
    const t = trace.arrivalS[i];
    for (let k = 0; k < 50; k++) {
      const step = (cum(tau) - t) / (1 + a * Math.cos(w * (tau + phi)));
      tau -= step;
      if (Math.abs(step) < 1e-9) break;
    }
    out[i] = Math.max(i > 0 ? out[i - 1] : 0, tau);
  }
  return { ...trace, arrivalS: out, spanS: out[out.length - 1] ?? 0 };
}
