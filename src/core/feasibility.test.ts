import { describe, expect, it } from 'vitest';
import { allowedCapacity, neverFitsReason } from './feasibility.js';

const sites = [
  { id: 'atl', jurisdiction: 'US-GA', totalGpus: 100 },
  { id: 'wi', jurisdiction: 'US-WI', totalGpus: 60 },
  { id: 'fra', jurisdiction: 'EU-DE', totalGpus: 500 },
];

describe('a job that can never fit', () => {
  it('fits when some allowed site (or set of sites, for a multi-site job) is large enough', () => {
    expect(neverFitsReason({ gpus: 100, allowedJurisdictions: ['US'], multiSite: false }, sites)).toBeNull();
    expect(neverFitsReason({ gpus: 160, allowedJurisdictions: ['US'], multiSite: true }, sites)).toBeNull();
    expect(neverFitsReason({ gpus: 500, multiSite: false }, sites)).toBeNull();
  });

  it('names the reason: no allowed jurisdiction, larger than any site, larger than all sites', () => {
    expect(neverFitsReason({ gpus: 1, allowedJurisdictions: ['JP'], multiSite: true }, sites)).toBe(
      'no site in an allowed jurisdiction',
    );
    expect(neverFitsReason({ gpus: 101, allowedJurisdictions: ['US'], multiSite: false }, sites)).toBe(
      'needs 101 GPUs, more than any allowed site has',
    );
    expect(neverFitsReason({ gpus: 161, allowedJurisdictions: ['US'], multiSite: true }, sites)).toBe(
      'needs 161 GPUs, more than any allowed set of sites has',
    );
  });

  it('counts only allowed sites (a country allows its subdivisions)', () => {
    const cap = allowedCapacity({ allowedJurisdictions: ['US'] }, sites);
    expect(cap).toEqual({ totalGpus: 160, largestSiteGpus: 100, siteIds: ['atl', 'wi'] });
    expect(allowedCapacity({ allowedJurisdictions: [] }, sites).totalGpus).toBe(660);
  });
});
