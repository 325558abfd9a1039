// The Inference view in chromium against a real control plane on the fairwater-edge fabric: the form asks
// POST /v1/inference/plans, the map shows one marker per site holding replicas (labelled with the count) and one line
// per routing share, the tables match the API's answer, and bad input lists the server's {path, message, hint}.
// Screenshot under artifacts/. Skips with the reason when chromium is absent.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadFabric } from '../../src/fabric/index.js';
import { ARTIFACTS, browserSuiteSkip, useBrowserSuite } from './harness.js';

const reason = browserSuiteSkip('test/web/inference.test.ts');

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- response bodies are read loosely in tests
type Json = any;

describe.skipIf(reason !== null)('inference view in chromium', () => {
  const run = useBrowserSuite(async () => ({ fabric: await loadFabric('fairwater-edge') }));

  it('draws the replicas per site on the map with the routing, latency per region and the explanation', async () => {
    const { suite } = run;
    const { srv } = suite;
    const page = await suite.signIn(srv.admin);
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.getByRole('tab', { name: 'Inference' }).click();
    await page.getByLabel('p99 TTFT (ms)').fill('400');
    await page.getByLabel('p99 TPOT (ms)').fill('40');
    await page.getByRole('button', { name: 'Place replicas' }).click();
    await page.waitForSelector('svg.inference-map g.site.replicas', { timeout: 60_000 });

    const api = await srv.req<Json>('POST', '/v1/inference/plans', srv.admin, {
      ...{ model: 'llama3-70b', demand: 'azure-conv-americas', ttftP99Ms: 400, tpotP99Ms: 40 },
      ...{ objective: 'cost', nPlusOne: true },
    });
    expect(api.status).toBe(200);
    const p = api.body.placement;
    expect(p.replicas.length).toBeGreaterThanOrEqual(2);
    const labels = await page.locator('svg.inference-map g.site.replicas text').allTextContents();
    expect(labels.sort()).toEqual(p.replicas.map((r: Json) => `${r.siteId} ×${r.count}`).sort());
    expect(await page.locator('svg.inference-map line.route').count()).toBe(p.routing.length);
    expect(await page.locator('svg.inference-map g.region').count()).toBe(7);
    // the world atlas: Brazil and West Europe users lie outside the US
    expect(await page.locator('svg.inference-map path.land').count()).toBe(1);

    const regionRows = page.locator('table[aria-label="Latency per region"] tbody tr');
    expect(await regionRows.count()).toBe(7);
    for (const l of p.latency) {
      const cells = await page
        .locator(`table[aria-label="Latency per region"] tr[data-row="${l.regionId}"] td`)
        .allTextContents();
      expect(cells[4]).toBe('met');
      expect(cells[2]).toMatch(new RegExp(`^${l.ttftP99Ms.toFixed(1)} / 400$`));
    }
    const siteRows = await page.locator('table[aria-label="Replicas per site"] tbody tr').count();
    expect(siteRows).toBe(p.replicas.length);
    expect(await page.locator('table[aria-label="N+1: each site lost"] tbody tr').count()).toBe(p.failover.length);
    expect(await page.locator('ul.explanation li').allTextContents()).toEqual(p.explanation);
    await page.screenshot({ path: join(ARTIFACTS, 'inference-view.png'), fullPage: true });

    // bad input: a TTFT no site can meet comes back as the server's issue, shown beside the form
    await page.getByLabel('p99 TTFT (ms)').fill('1');
    await page.getByRole('button', { name: 'Place replicas' }).click();
    const issue = page.locator('form.inference-form ul.errors li');
    await issue.first().waitFor({ timeout: 30_000 });
    expect(await issue.first().textContent()).toMatch(
      /^demand\.regions\[\d\]\.requestsPerSecond: .*no site and serving plan/,
    );
    expect(errors).toEqual([]);
    await page.close();
  }, 180_000);
});
