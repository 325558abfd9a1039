// The job page's loss and throughput charts (web/src/views/job-charts.ts) in chromium: a real command on site
// `local` writes progress lines as examples/train/train.py does; the page draws one loss and one throughput chart
// by step from the job.progress events, and lists the straggler the control plane flagged against the plan (the
// part's compute time per step triples after the first reports: slower than the plan predicts, calibrated).
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ARTIFACTS, browserSuiteSkip, startBrowserSuite, type BrowserSuite } from './harness.js';

const reason = browserSuiteSkip('test/web/job-charts.test.ts');

// 14 reports, one every 1.1 s (the control plane keeps at most one per run per second): loss falls from 5.0, the
// compute time is 0.1 s for 7 reports, then 0.3 s
const SCRIPT =
  'for i in $(seq 1 14); do c=0.1; [ $i -gt 7 ] && c=0.3; ' +
  'l=$(awk "BEGIN{print 5 - $i * 0.2}"); ' +
  'echo "{\\"step\\":$i,\\"loss\\":$l,\\"stepTimeSeconds\\":0.5,\\"computeSeconds\\":$c,\\"tokensPerSecond\\":$((1000 * i))}" >> "$SUPERFACTORY_PROGRESS_FILE"; ' +
  'sleep 1.1; done';

describe.skipIf(reason !== null)('job page charts in chromium', () => {
  let suite: BrowserSuite;
  beforeAll(async () => {
    suite = await startBrowserSuite({ local: true });
  }, 120_000);
  afterAll(async () => {
    await suite?.close();
  });

  it('draws loss and throughput by step and names the straggler flagged against the plan', async () => {
    const { srv } = suite;
    const r = await srv.req<{ job: { id: string } }>('POST', '/v1/jobs', srv.admin, {
      name: 'progress charts',
      model: 'llama3-8b',
      gpus: 8,
      command: ['sh', '-c', SCRIPT],
    });
    expect(r.status).toBe(201);
    const id = r.body.job.id;
    const page = await suite.signIn(srv.admin, `#job/${id}`);
    const charts = page.locator('[data-role="job-charts"]');
    // live: the charts appear while the job runs and grow with its reports
    await expect.poll(() => charts.locator('figure[data-chart="loss"]').count(), { timeout: 30_000 }).toBe(1);
    expect(await charts.locator('figure[data-chart="throughput"]').count()).toBe(1);
    await expect
      .poll(() => page.locator('#panel-job [data-role="state"]').textContent(), { timeout: 40_000 })
      .toBe('succeeded');
    const reports = Number(((await charts.locator('[data-role="reports"]').textContent()) ?? '').split(' ')[0]);
    expect(reports).toBeGreaterThanOrEqual(10);
    expect(await charts.locator('figure[data-chart="loss"] canvas').count()).toBeGreaterThan(0);
    // the screen-reader summary carries the series: the mean loss lies between the last and the first report
    const summary = (await charts.locator('figure[data-chart="loss"] .sr-only').textContent()) ?? '';
    const mean = Number(/mean ([\d.]+)/.exec(summary)?.[1]);
    expect(mean).toBeGreaterThan(2.2);
    expect(mean).toBeLessThan(4.8);
    // the part that slowed down: flagged against the plan (no other part to compare with on one site)
    const evs = (
      await srv.req<{ events: { type: string; data: Record<string, unknown> }[] }>(
        'GET',
        `/v1/jobs/${id}/events`,
        srv.admin,
      )
    ).body.events;
    const slow = evs.filter((e) => e.type === 'job.straggler');
    expect(slow).toHaveLength(1);
    expect(slow[0].data).toMatchObject({ reference: 'plan', site: 'local' });
    expect(slow[0].data.ratio as number).toBeGreaterThan(2.5);
    await expect
      .poll(() => page.locator('[data-role="stragglers"] li[data-site="local"]').textContent(), { timeout: 10_000 })
      .toMatch(/site local: 0\.300 s compute per step, 3\.0x the plan's prediction/);
    expect(suite.errors(page)).toEqual([]);
    await page.screenshot({ path: join(ARTIFACTS, 'job-charts.png'), fullPage: true });
    await page.close();
  }, 90_000);
});
