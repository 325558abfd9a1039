// The plan explorer's WAN latency override must not beat light in fiber on any WAN link of the fabric (it
// applies to every link), as `fabric validate` refuses such a latencyMs. The sweep's latency grid is not
// checked: it asks about sites at other distances, not these links.
import { FIBER_US_PER_KM, fiberPropagationMs } from '../../fabric/index.js';
import type { Fabric } from '../../fabric/types.js';
import { InvalidInputError } from '../domain.js';

export function checkLightBound(fabric: Fabric, b: { wanLatencyMs?: number; wanLatencyMsList?: number[] }): void {
  if (fabric.wanLinks.length === 0) return;
  const longest = fabric.wanLinks.reduce((a, l) => (l.routeKm > a.routeKm ? l : a));
  const floorMs = fiberPropagationMs(longest.routeKm);
  const fix = `give at least ${floorMs.toFixed(2)} ms: link ${longest.id} is ${Math.round(longest.routeKm).toLocaleString('en-US')} km of fiber at ${FIBER_US_PER_KM} us/km one way`;
  const issues = [];
  if (b.wanLatencyMs !== undefined && b.wanLatencyMs < floorMs)
    issues.push({
      path: 'wanLatencyMs',
      message: `${b.wanLatencyMs} ms one way is faster than light in fiber`,
      hint: fix,
    });
  (b.wanLatencyMsList ?? []).forEach((v, i) => {
    if (v < floorMs)
      issues.push({
        path: `wanLatencyMsList[${i}]`,
        message: `${v} ms one way is faster than light in fiber`,
        hint: fix,
      });
  });
  if (issues.length) throw new InvalidInputError(issues, 422);
}
