import { describe, expect, it } from 'vitest';
import {
  CROSS_SITE_STRATEGIES,
  MULTI_SITE_STRATEGIES,
  STRATEGIES,
  STRATEGY_INFO,
  SYNCHRONOUS_CROSS_SITE_STRATEGIES,
  isCrossSite,
  isStrategy,
} from './strategies.js';

describe('strategies', () => {
  it('lists the five strategies in plan order', () => {
    expect([...STRATEGIES]).toEqual([
      'single-site',
      'hierarchical-dp',
      'pipeline-across-sites',
      'diloco',
      'independent',
    ]);
  });

  it('derives the cross-site and synchronous lists from STRATEGY_INFO', () => {
    expect([...CROSS_SITE_STRATEGIES]).toEqual(['hierarchical-dp', 'pipeline-across-sites', 'diloco']);
    expect([...SYNCHRONOUS_CROSS_SITE_STRATEGIES]).toEqual(['hierarchical-dp', 'pipeline-across-sites']);
    expect([...MULTI_SITE_STRATEGIES]).toEqual(['hierarchical-dp', 'pipeline-across-sites', 'diloco', 'independent']);
  });

  it('says which strategies split the batch and which dimension crosses the WAN', () => {
    expect(STRATEGIES.filter((s) => STRATEGY_INFO[s].splitsBatch)).toEqual(['diloco', 'independent']);
    expect(STRATEGY_INFO['hierarchical-dp'].wanDimension).toBe('dp');
    expect(STRATEGY_INFO['pipeline-across-sites'].wanDimension).toBe('pp');
    expect(STRATEGY_INFO.independent.wanDimension).toBeNull();
  });

  it('keeps the CLI table labels', () => {
    expect(STRATEGIES.map((s) => STRATEGY_INFO[s].shortLabel)).toEqual([
      'single site',
      'hier. DP (WAN)',
      'PP x sites',
      'DiLoCo',
      'independent runs',
    ]);
  });

  it('recognises strategy names and rejects others', () => {
    expect(isStrategy('diloco')).toBe(true);
    expect(isStrategy('DiLoCo')).toBe(false);
    expect(isStrategy(3)).toBe(false);
    expect(isCrossSite('hierarchical-dp')).toBe(true);
    expect(isCrossSite('independent')).toBe(false);
    expect(isCrossSite('none')).toBe(false);
  });
});
