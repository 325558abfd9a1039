// Site power: what GPUs draw at the wall and how much of a site's power cap they leave. The one home of these rules;
// fabric validation and summary, the planner, the scheduler state and the what-if view all use it.
// Structural inputs (a pod: GPUs and per-GPU system W; a site: PUE, cap and pods) so core imports no other layer.

/** A pod as power sees it: its GPUs and its system's rated power per GPU (GPU + host + NICs + switches share). */
export interface PowerPod {
  gpus: number;
  system: { systemPowerPerGpuW: number };
}

/** A site as power sees it: facility cap (MW), PUE (facility W / IT W) and pods. */
export interface PowerSite {
  powerMW: number;
  pue: number;
  pods: readonly PowerPod[];
}

/** ASSUMPTION (docs/sources.md, "Energy, carbon, price, water"): a busy GPU draws 0.8 of its rated system power. */
export const DEFAULT_BUSY_POWER_FRACTION = 0.8;
/** ASSUMPTION (docs/sources.md, same section): an idle GPU draws 0.3 (host, NICs, fans and pumps stay on). */
export const DEFAULT_IDLE_POWER_FRACTION = 0.3;
/**
 * Relative slack on "fits under the cap": sums of many per-GPU watts carry float rounding (a 300 MW cap gives
 * 0.3 W, far below one GPU).
 */
export const POWER_CAP_RELATIVE_TOLERANCE = 1e-9;

/** Facility (meter) watts per GPU: rated system W x PUE, times the fraction of rated power it draws. */
export function facilityWPerGpu(systemPowerPerGpuW: number, pue: number, fraction = 1): number {
  return systemPowerPerGpuW * pue * fraction;
}

/** IT watts of a set of pods at rated power. */
export function itW(pods: readonly PowerPod[]): number {
  let w = 0;
  for (const p of pods) w += p.gpus * p.system.systemPowerPerGpuW;
  return w;
}

/** Facility watts of a site's pods at rated power (IT x PUE). */
export function siteFacilityW(site: Pick<PowerSite, 'pue' | 'pods'>): number {
  return itW(site.pods) * site.pue;
}

/** A site's cap in W; a site without a positive cap is uncapped (Infinity). */
export function sitePowerCapW(site: Pick<PowerSite, 'powerMW'>): number {
  return site.powerMW > 0 ? site.powerMW * 1e6 : Infinity;
}

/** Cap minus facility draw at rated power, MW (negative: the pods cannot all run at once). */
export function siteHeadroomMW(site: PowerSite): number {
  return site.powerMW - siteFacilityW(site) / 1e6;
}

/** Whether `addW` more watts on top of `drawW` stay within `capW` (with the float tolerance above). */
export function withinPowerCap(drawW: number, addW: number, capW: number): boolean {
  if (!Number.isFinite(capW)) return true;
  return drawW + addW <= capW * (1 + POWER_CAP_RELATIVE_TOLERANCE);
}

/**
 * How many more GPUs of `perGpuW` each fit under `capW` on top of `drawW` (Infinity if uncapped or free): the
 * largest n with withinPowerCap(drawW, n x perGpuW, capW).
 */
export function gpusWithinPowerCap(capW: number, perGpuW: number, drawW = 0): number {
  if (!Number.isFinite(capW) || perGpuW <= 0) return Infinity;
  const n = Math.floor((capW * (1 + POWER_CAP_RELATIVE_TOLERANCE) - drawW) / perGpuW);
  return Math.max(0, n);
}

/**
 * The pod that stands for a site's GPUs where one system is assumed (planner, what-if view): the largest by GPUs,
 * the first of equals.
 */
export function mainPod<P extends PowerPod>(pods: readonly P[]): P | undefined {
  let best: P | undefined;
  for (const p of pods) if (!best || p.gpus > best.gpus) best = p;
  return best;
}

/** Facility W per GPU at rated power of a site's main pod (0 for a site without pods). */
export function siteFacilityWPerGpu(site: Pick<PowerSite, 'pue' | 'pods'>): number {
  const pod = mainPod(site.pods);
  return pod ? facilityWPerGpu(pod.system.systemPowerPerGpuW, site.pue) : 0;
}

/** Facility W of `gpus` GPUs of which `busyGpus` are busy, the rest idle (the twin's and what-if's draw). */
export function drawW(
  perGpuW: number,
  gpus: number,
  busyGpus: number,
  busyFraction = DEFAULT_BUSY_POWER_FRACTION,
  idleFraction = DEFAULT_IDLE_POWER_FRACTION,
): number {
  return busyGpus * perGpuW * busyFraction + (gpus - busyGpus) * perGpuW * idleFraction;
}
