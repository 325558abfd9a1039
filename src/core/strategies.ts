// The training strategies the planner knows, and what each one means, in one place.
// Adding a strategy: one entry here (the tuple and STRATEGY_INFO) plus its model in src/planner/search.ts.

/** Every strategy, in the order plans list them. */
export const STRATEGIES = ['single-site', 'hierarchical-dp', 'pipeline-across-sites', 'diloco', 'independent'] as const;

export type Strategy = (typeof STRATEGIES)[number];

export interface StrategyInfo {
  /** Words for a reader, e.g. in a report or tooltip. */
  label: string;
  /** The CLI's table label. */
  shortLabel: string;
  /** A few letters for a heatmap cell. */
  abbrev: string;
  /** Runs over two or more sites joined by the WAN. */
  crossSite: boolean;
  /** Every step waits for the WAN (no local SGD): the sweep's "synchronous training" thresholds. */
  synchronous: boolean;
  /** Each site trains on its own share of the step's batch (local SGD, independent runs). */
  splitsBatch: boolean;
  /** Which parallel dimension crosses the WAN, if any. */
  wanDimension: 'dp' | 'pp' | null;
}

export const STRATEGY_INFO: Readonly<Record<Strategy, Readonly<StrategyInfo>>> = {
  'single-site': {
    label: 'single site',
    shortLabel: 'single site',
    abbrev: '1 site',
    crossSite: false,
    synchronous: true,
    splitsBatch: false,
    wanDimension: null,
  },
  'hierarchical-dp': {
    label: 'hierarchical data parallelism over the WAN',
    shortLabel: 'hier. DP (WAN)',
    abbrev: 'HDP',
    crossSite: true,
    synchronous: true,
    splitsBatch: false,
    wanDimension: 'dp',
  },
  'pipeline-across-sites': {
    label: 'pipeline stages across sites',
    shortLabel: 'PP x sites',
    abbrev: 'PP',
    crossSite: true,
    synchronous: true,
    splitsBatch: false,
    wanDimension: 'pp',
  },
  diloco: {
    label: 'DiLoCo (local SGD, outer synchronization over the WAN)',
    shortLabel: 'DiLoCo',
    abbrev: 'DiLoCo',
    crossSite: true,
    synchronous: false,
    splitsBatch: true,
    wanDimension: 'dp',
  },
  independent: {
    // Separate models, one per site: several sites but nothing crosses the WAN, so it is not "cross-site".
    label: 'independent runs, one per site',
    shortLabel: 'independent runs',
    abbrev: 'ind.',
    crossSite: false,
    synchronous: false,
    splitsBatch: true,
    wanDimension: null,
  },
};

/** Strategies that train one model over two or more sites through the WAN. */
export const CROSS_SITE_STRATEGIES: readonly Strategy[] = STRATEGIES.filter((s) => STRATEGY_INFO[s].crossSite);

/** Cross-site strategies that wait for the WAN every step (no local SGD). */
export const SYNCHRONOUS_CROSS_SITE_STRATEGIES: readonly Strategy[] = CROSS_SITE_STRATEGIES.filter(
  (s) => STRATEGY_INFO[s].synchronous,
);

/** Strategies that use two or more sites (cross-site ones and independent runs). */
export const MULTI_SITE_STRATEGIES: readonly Strategy[] = STRATEGIES.filter((s) => s !== 'single-site');

export function isStrategy(value: unknown): value is Strategy {
  return typeof value === 'string' && (STRATEGIES as readonly string[]).includes(value);
}

export function isCrossSite(strategy: string): boolean {
  return isStrategy(strategy) && STRATEGY_INFO[strategy].crossSite;
}
