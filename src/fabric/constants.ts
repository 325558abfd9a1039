// Physics and documented defaults used when a fabric file leaves a field out.
// Sources and reasons: docs/sources.md, sections "Fabric defaults" and "Physics".

/** One-way propagation delay in standard single-mode fiber, us per km (group index ~1.47). Physics. */
export const FIBER_US_PER_KM = 4.9;

/** Mean Earth radius for great-circle (haversine) distances, km. */
export const EARTH_RADIUS_KM = 6371;

/**
 * Default one-way equipment latency on a WAN link, ms: coherent transponders (DSP/FEC), ROADMs,
 * amplifiers and the two edge routers. Assumption: tens of us per element, 0.1 ms in all.
 */
export const DEFAULT_WAN_EQUIPMENT_LATENCY_MS = 0.1;

/**
 * Default latency per switch hop in the scale-out fabric, us. Assumption: switch port-to-port
 * latency is a few hundred ns for InfiniBand/Spectrum-class silicon; 1 us adds cabling, NIC and
 * queueing, conservatively.
 */
export const DEFAULT_HOP_LATENCY_US = 1;

/**
 * Default site water usage effectiveness, L/kWh: Microsoft's fleet-wide WUE for FY2024 (0.30).
 */
export const DEFAULT_WUE_L_PER_KWH = 0.3;

/**
 * Default checkpoint storage bandwidth per GPU, GB/s: Llama 3 (arXiv 2407.21783, Sec. 3.3.1)
 * reports 2 TB/s sustained (7 TB/s peak) from Tectonic for a 16K-GPU job, i.e. ~0.125 GB/s per GPU.
 */
export const DEFAULT_CHECKPOINT_GBPS_PER_GPU = 0.125;

/** Number of switch tiers in each topology. */
export const TOPOLOGY_TIERS = { 'fat-tree-2': 2, 'fat-tree-3': 3 } as const;
