import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isJurisdictionCode, jurisdictionAllowed, jurisdictionContains, jurisdictionsOutside } from './jurisdiction.js';

const upper = fc.constantFrom(...'ABCDEFGHIJKLMNOPQRSTUVWXYZ'.split(''));
const country = fc.tuple(upper, upper).map(([a, b]) => a + b);
const sub = fc
  .array(fc.constantFrom(...'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789'.split('')), { minLength: 1, maxLength: 8 })
  .map((cs) => cs.join(''));

describe('jurisdictionAllowed', () => {
  it('allows everything when no list (or an empty one) is given', () => {
    expect(jurisdictionAllowed(undefined, 'US-GA')).toBe(true);
    expect(jurisdictionAllowed(null, 'DE')).toBe(true);
    expect(jurisdictionAllowed([], 'DE')).toBe(true);
  });

  it('matches exact codes and subdivisions of a country, nothing else', () => {
    expect(jurisdictionAllowed(['US'], 'US-GA')).toBe(true);
    expect(jurisdictionAllowed(['US-GA'], 'US-GA')).toBe(true);
    expect(jurisdictionAllowed(['US-GA'], 'US')).toBe(false);
    expect(jurisdictionAllowed(['US-GA'], 'US-WI')).toBe(false);
    expect(jurisdictionAllowed(['US-GA'], 'US-GAX')).toBe(false);
    expect(jurisdictionAllowed(['US'], 'USA')).toBe(false);
    expect(jurisdictionAllowed(['DE', 'US-WI'], 'US-WI')).toBe(true);
    expect(jurisdictionAllowed(['EU-DE'], 'EU-DE-BY')).toBe(true);
  });

  it('property: a country code allows every subdivision of it', () => {
    fc.assert(
      fc.property(country, fc.array(sub, { minLength: 1, maxLength: 3 }), (c, subs) => {
        const j = [c, ...subs].join('-');
        expect(isJurisdictionCode(j)).toBe(true);
        expect(jurisdictionAllowed([c], j)).toBe(true);
      }),
    );
  });

  it('property: a subdivision never allows another country (nor its own parent)', () => {
    fc.assert(
      fc.property(country, country, sub, fc.option(sub, { nil: undefined }), (c1, c2, s, s2) => {
        fc.pre(c1 !== c2);
        const allowed = `${c1}-${s}`;
        const other = s2 === undefined ? c2 : `${c2}-${s2}`;
        expect(jurisdictionAllowed([allowed], other)).toBe(false);
        expect(jurisdictionAllowed([allowed], c1)).toBe(false);
      }),
    );
  });

  it('names requested jurisdictions outside a tenant allow-list', () => {
    expect(jurisdictionsOutside(['US-GA', 'DE', 'US'], ['US'])).toEqual(['DE']);
    expect(jurisdictionsOutside(['US'], ['US-GA'])).toEqual(['US']);
    expect(jurisdictionContains('US', 'US-GA-X')).toBe(true);
  });

  it('recognises jurisdiction codes', () => {
    expect(isJurisdictionCode('US-GA')).toBe(true);
    expect(isJurisdictionCode('IE')).toBe(true);
    expect(isJurisdictionCode('us-ga')).toBe(false);
    expect(isJurisdictionCode('USA')).toBe(false);
    expect(isJurisdictionCode('US-')).toBe(false);
  });
});
