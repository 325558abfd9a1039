// Dashboard: bundle size (JS + CSS, raw and gzip) and time to "dashboard ready" — the map drawn with
// its sites and WAN links and the job table with its first page of rows, painted — in headless
// chromium on loopback against a control plane holding 1,000 jobs. Median of several cold-cache loads.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { browserUnavailableReason, ensureWebBuilt, launchChromium, startDashboardServer } from '../test/web/harness.js';
import type { BenchResult } from './run.js';
import { median } from './stats.js';

const JOBS = 1000;
const LOADS = 7;

function bundle(dist: string): { metrics: Record<string, number>; initial: string[] } {
  const html = readFileSync(join(dist, 'index.html'), 'utf8');
  const initial = [...html.matchAll(/(?:src|href)="\.\/(assets\/[^"]+\.(?:js|css))"/g)].map((m) => m[1]);
  const assets = readdirSync(join(dist, 'assets')).map((f) => `assets/${f}`);
  const size = (files: string[], ext: string, gz: boolean) =>
    files
      .filter((f) => f.endsWith(ext))
      .reduce(
        (n, f) => n + (gz ? gzipSync(readFileSync(join(dist, f)), { level: 9 }).length : statSync(join(dist, f)).size),
        0,
      );
  return {
    initial,
    metrics: {
      'initial JS bytes': size(initial, '.js', false),
      'initial CSS bytes': size(initial, '.css', false),
      'initial JS+CSS bytes': size(initial, '.js', false) + size(initial, '.css', false),
      'initial JS+CSS gzip bytes': size(initial, '.js', true) + size(initial, '.css', true),
      'all chunks JS+CSS bytes (incl. lazy world atlas)': size(assets, '.js', false) + size(assets, '.css', false),
      'all chunks JS+CSS gzip bytes': size(assets, '.js', true) + size(assets, '.css', true),
    },
  };
}

export async function benchDashboard(): Promise<BenchResult[]> {
  const dist = await ensureWebBuilt(true);
  const b = bundle(dist);
  const results: BenchResult[] = [
    { name: 'dashboard bundle (web/dist, vite build)', metrics: b.metrics, notes: `initial: ${b.initial.join(', ')}` },
  ];
  const why = browserUnavailableReason();
  if (why) {
    results.push({ name: 'dashboard ready time', metrics: {}, notes: `skipped: ${why}` });
    return results;
  }

  const srv = await startDashboardServer();
  const { context, close } = await launchChromium();
  try {
    // 1,000 jobs from five tenants, a mix of models and sizes; the scheduler places and runs what fits
    const tokens = await Promise.all(['t1', 't2', 't3', 't4'].map((t) => srv.token(t, 'member')));
    const all = [srv.admin, ...tokens];
    const sizes = [8, 72, 144, 576, 1152, 4608];
    for (let i = 0; i < JOBS; i += 50) {
      await Promise.all(
        Array.from({ length: Math.min(50, JOBS - i) }, (_, k) => {
          const n = i + k;
          return srv.req('POST', '/v1/jobs', all[n % all.length], {
            name: `bench-${n}`,
            model: n % 3 ? 'llama3-8b' : 'llama3-70b',
            gpus: sizes[n % sizes.length],
            tokens: 1e12,
            priority: n % 7,
          });
        }),
      );
    }
    // let the scheduler plan and place the backlog (plans are cached per model and size)
    const t0 = Date.now();
    while (Date.now() - t0 < 20_000) {
      const r = await srv.req<{ jobs: { plan: unknown }[] }>('GET', '/v1/jobs?state=queued&limit=1000', srv.admin);
      if (r.body.jobs.every((j) => j.plan !== null)) break;
      await new Promise((res) => setTimeout(res, 250));
    }

    const load = async (cold: boolean): Promise<{ readyMs: number; rows: number }> => {
      const page = await context.newPage();
      if (cold) {
        const cdp = await context.newCDPSession(page);
        await cdp.send('Network.setCacheDisabled', { cacheDisabled: true });
      }
      await page.addInitScript((t) => sessionStorage.setItem('superfactory.token', t), srv.admin);
      await page.goto(`${srv.url}/`);
      await page.waitForSelector('body[data-ready]', { timeout: 30_000 });
      const readyMs = await page.evaluate(() => (window as unknown as { __sfReady: number }).__sfReady);
      const rows = await page.locator('table.jobs tbody tr[data-job-id]').count();
      await page.close();
      return { readyMs, rows };
    };
    await load(false); // warm-up: chromium's first page pays process start-up
    const cold: number[] = [];
    const warm: number[] = [];
    let rows = 0;
    for (let i = 0; i < LOADS; i++) {
      const c = await load(true);
      cold.push(c.readyMs);
      rows = c.rows;
      warm.push((await load(false)).readyMs);
    }
    results.push({
      name: `dashboard ready (map + job table drawn), ${JOBS} jobs in the store, loopback, headless chromium`,
      metrics: {
        'ready ms, cold cache (median of 7)': Math.round(median(cold)),
        'ready ms, cold cache (max of 7)': Math.round(Math.max(...cold)),
        'ready ms, warm cache (median of 7)': Math.round(median(warm)),
        'job rows drawn (first page)': rows,
        'target ms': 1000,
      },
      notes:
        'ms from navigation start to body[data-ready] (two animation frames after the map and the table are in the DOM)',
    });
  } finally {
    await close();
    await srv.close();
  }
  return results;
}

// `npx tsx bench/dashboard.ts` runs this suite alone
if (import.meta.url === `file://${process.argv[1]}`) {
  for (const r of await benchDashboard()) console.log(JSON.stringify(r));
}
