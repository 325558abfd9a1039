// The map's WAN link shows the traffic running jobs measured, in a real browser against a control plane on
// fairwater (twin sites). A twin site runs no trainer, so the test writes the two `job.progress` events the leader's
// run poller writes for a trainer's report (one per site, the same fields) for a job the scheduler placed across
// both sites; GET /v1/telemetry turns them into the link's measured rate and the map draws it. The trainer-to-link
// path itself is checked against the shaped veth in test/e2e/cross-site.test.ts.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../control/helpers.js';
import { ARTIFACTS, browserSuiteSkip, startBrowserSuite, type BrowserSuite } from './harness.js';

const reason = browserSuiteSkip('test/web/map-wan.test.ts');

type JobBody = { job: { id: string; state: string; attempt: number; tenantId: string; placement: { site: string }[] } };

describe.skipIf(reason !== null)('map: measured WAN traffic on the link', () => {
  let suite: BrowserSuite;
  let jobId = '';

  beforeAll(async () => {
    suite = await startBrowserSuite({}, async (srv) => {
      // more GPUs than one fairwater site holds: the plan must span atl and wi
      const r = await srv.req<JobBody>('POST', '/v1/jobs', srv.admin, {
        name: 'across both',
        model: 'llama3-70b',
        gpus: 80_000,
        tokens: 1e15,
      });
      expect(r.status).toBe(201);
      jobId = r.body.job.id;
      const job = await waitFor(async () => {
        const j = (await srv.req<JobBody>('GET', `/v1/jobs/${jobId}`, srv.admin)).body.job;
        return j.state === 'running' ? j : null;
      }, 60_000);
      expect(new Set(job.placement.map((p) => p.site))).toEqual(new Set(['atl', 'wi']));
      for (const site of ['atl', 'wi'])
        await srv.store.appendEvent({
          at: Date.now(),
          type: 'job.progress',
          jobId,
          tenantId: job.tenantId,
          siteId: site,
          // 1.25 GB per 1 s step: 10 Gb/s from each site
          data: { step: 7, loss: 3.2, stepTimeSeconds: 1, wanBytesPerStep: 1.25e9, site, attempt: job.attempt },
        });
    });
  }, 120_000);

  afterAll(async () => {
    await suite?.close();
  });

  it('labels the link with the rate the jobs measured, next to the planned use', async () => {
    const t = await suite.srv.req<{ wanLinks: { id: string; measuredGbps: number | null; jobs: number }[] }>(
      'GET',
      '/v1/telemetry',
      suite.srv.admin,
    );
    expect(t.body.wanLinks.find((l) => l.id === 'atl-wi')).toMatchObject({ measuredGbps: 10, jobs: 1 });
    const page = await suite.signIn(suite.srv.admin, '', 20_000);
    const link = page.locator('svg.map g.link[data-link="atl-wi"]');
    await expect.poll(() => link.getAttribute('data-measured-gbps'), { timeout: 15_000 }).toBe('10');
    expect(await link.textContent()).toContain('measured 10 Gb/s');
    const row = page.locator('tr[data-link="atl-wi"]');
    expect(await row.textContent()).toContain('10 Gb/s');
    expect(suite.errors(page)).toEqual([]);
    await page.screenshot({ path: join(ARTIFACTS, 'dashboard-map-wan.png') });
  }, 60_000);
});
