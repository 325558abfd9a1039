// Pure geometry and physics for WAN links (no I/O).
import { EARTH_RADIUS_KM, FIBER_US_PER_KM } from './constants.js';

const toRad = (deg: number): number => (deg * Math.PI) / 180;

/** Great-circle distance between two points (haversine, R = 6371 km), km. */
export function greatCircleKm(lat1: number, lon1: number, lat2: number, lon2: number): number {
  const dLat = toRad(lat2 - lat1);
  const dLon = toRad(lon2 - lon1);
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(toRad(lat1)) * Math.cos(toRad(lat2)) * Math.sin(dLon / 2) ** 2;
  return 2 * EARTH_RADIUS_KM * Math.asin(Math.min(1, Math.sqrt(h)));
}

/** Lower bound on one-way latency over a fiber route: routeKm x 4.9 us, in ms. */
export function fiberPropagationMs(routeKm: number): number {
  return (routeKm * FIBER_US_PER_KM) / 1000;
}
