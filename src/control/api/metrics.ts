// Prometheus metrics of one replica: HTTP latency, submissions, scheduler ticks, leadership, jobs by
// state and site status (the last two read from the store at scrape time).
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { JOB_STATES } from '../../contract/states.js';
import type { Store } from '../store/types.js';
import type { Logger } from '../scheduler.js';

export interface ServerMetrics {
  registry: Registry;
  httpDuration: Histogram<'method' | 'route' | 'status'>;
  submitted: Counter;
  tickSeconds: Histogram;
  leader: Gauge;
}

export function createMetrics(store: Store, log: Logger): ServerMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'superfactory_' });
  const httpDuration = new Histogram({
    name: 'superfactory_http_request_duration_seconds',
    help: 'HTTP request latency',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1, 5],
    registers: [registry],
  });
  const submitted = new Counter({
    name: 'superfactory_jobs_submitted_total',
    help: 'Jobs accepted',
    registers: [registry],
  });
  const tickSeconds = new Histogram({
    name: 'superfactory_scheduler_tick_seconds',
    help: 'Duration of one scheduler tick',
    buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5],
    registers: [registry],
  });
  const leader = new Gauge({
    name: 'superfactory_leader',
    help: '1 when this replica is the scheduling leader',
    registers: [registry],
  });
  // A scrape while the store is down reports no figures for these gauges (and logs why) instead of failing.
  new Gauge({
    name: 'superfactory_jobs',
    help: 'Jobs by state',
    labelNames: ['state'] as const,
    registers: [registry],
    async collect() {
      try {
        const counts = await store.countJobs();
        for (const s of JOB_STATES) this.set({ state: s }, counts[s] ?? 0);
      } catch (err) {
        log.warn({ err: (err as Error).message }, 'metrics: cannot count jobs');
      }
    },
  });
  new Gauge({
    name: 'superfactory_site_up',
    help: '1 when the site is up',
    labelNames: ['site'] as const,
    registers: [registry],
    async collect() {
      try {
        for (const s of await store.listSites()) this.set({ site: s.id }, s.status === 'up' ? 1 : 0);
      } catch (err) {
        log.warn({ err: (err as Error).message }, 'metrics: cannot list sites');
      }
    },
  });
  return { registry, httpDuration, submitted, tickSeconds, leader };
}
