// Data-sovereignty matching: may a job pinned to some jurisdictions run at a site? The one rule, used by the planner,
// the scheduler state, the simulator and the control plane.

/**
 * Jurisdiction codes: ISO 3166-1 alpha-2 country (or a union such as EU), then optional subdivisions
 * (ISO 3166-2: "US-GA"; deeper levels allowed: "EU-DE-BY").
 */
export const JURISDICTION_PATTERN = /^[A-Z]{2}(-[A-Z0-9]{1,8})*$/;

export function isJurisdictionCode(code: string): boolean {
  return JURISDICTION_PATTERN.test(code);
}

/**
 * Whether `jurisdiction` lies inside the allowed entry `allowed`: the same code, or a subdivision of it
 * ("US" contains "US-GA"; "US-GA" does not contain "US" nor "US-GAX"). Case-sensitive: codes are upper case.
 */
export function jurisdictionContains(allowed: string, jurisdiction: string): boolean {
  return jurisdiction === allowed || jurisdiction.startsWith(`${allowed}-`);
}

/**
 * Whether a job with allow-list `allowed` may run in `jurisdiction`. An absent or empty list allows every
 * jurisdiction (no pinning); otherwise some entry must contain it.
 */
export function jurisdictionAllowed(allowed: readonly string[] | null | undefined, jurisdiction: string): boolean {
  if (!allowed || allowed.length === 0) return true;
  for (const a of allowed) if (jurisdictionContains(a, jurisdiction)) return true;
  return false;
}

/** Entries of `requested` that no entry of `permitted` contains (e.g. a job asking for more than its tenant may). */
export function jurisdictionsOutside(requested: readonly string[], permitted: readonly string[]): string[] {
  return requested.filter((r) => !permitted.some((p) => jurisdictionContains(p, r)));
}
