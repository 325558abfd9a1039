// The job page (#job/<id>) in chromium against a control plane shaped as `npm start`: fairwater on the twin
// plus site `local`, where a job's command runs for real. Logs tail, follow and download; measured vs
// predicted throughput from the trainer's progress file; checkpoint events folded into one line with a
// count, and the event filter. Screenshots under artifacts/.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ARTIFACTS, browserSuiteSkip, startBrowserSuite, type BrowserSuite, type DashboardServer } from './harness.js';

const reason = browserSuiteSkip('test/web/job-page.test.ts');

interface JobBody {
  job: { id: string; state: string };
}

describe.skipIf(reason !== null)('job page in chromium', () => {
  let suite: BrowserSuite;
  let srv: DashboardServer;

  beforeAll(async () => {
    suite = await startBrowserSuite({ local: true });
    srv = suite.srv;
  }, 120_000);

  afterAll(async () => {
    await suite?.close();
  });

  const openPage = (hash: string): Promise<Page> => suite.signIn(srv.admin, hash);

  async function submit(body: Record<string, unknown>): Promise<string> {
    const r = await srv.req<JobBody>('POST', '/v1/jobs', srv.admin, body);
    expect(r.status).toBe(201);
    return r.body.job.id;
  }

  it('follows a real command’s logs live, tails them, downloads them, and shows measured vs predicted', async () => {
    // 40 lines over ~6 s; a progress line as examples/train/train.py writes one (SUPERFACTORY_PROGRESS_FILE)
    const id = await submit({
      name: 'real logs',
      model: 'llama3-8b',
      gpus: 8,
      command: [
        'sh',
        '-c',
        'for i in $(seq 1 40); do echo "line $i"; sleep 0.15; done; ' +
          'echo \'{"step":40,"stepTimeSeconds":0.5,"tokensPerSecond":123456}\' >> "$SUPERFACTORY_PROGRESS_FILE"; sleep 2',
      ],
    });
    const page = await openPage(`#job/${id}`);
    const logs = page.locator('pre[data-role="logs"]');
    await expect.poll(() => page.locator('#job-page-title').textContent()).toContain('real logs');
    await expect
      .poll(() => page.locator('#panel-job [data-role="placement"]').textContent(), { timeout: 20_000 })
      .toMatch(/local 8/);
    // live: lines arrive while the job runs, without reloading the page
    await expect.poll(() => logs.textContent(), { timeout: 20_000 }).toMatch(/line [3-9]/);
    const mid = (await logs.textContent()) ?? '';
    expect(mid).not.toContain('line 40');
    await page.screenshot({ path: join(ARTIFACTS, 'job-page-following.png') });
    await expect.poll(() => logs.textContent(), { timeout: 30_000 }).toContain('[rank 0] line 40');
    await expect
      .poll(() => page.locator('#panel-job [data-role="state"]').textContent(), { timeout: 30_000 })
      .toBe('succeeded');
    // measured (the trainer's report) beside predicted (the plan)
    const tp = page.locator('[data-role="throughput"]');
    await expect.poll(() => tp.locator('[data-series="meas"]').textContent()).toContain('123k tok/s');
    expect(await tp.locator('[data-series="pred"]').textContent()).toMatch(/[\d.]+[kM]? tok\/s/);
    expect(await tp.locator('[data-role="ratio"]').textContent()).toMatch(/measured is \d+% of predicted/);
    // tail: the last 100 lines, or all of them
    await page.getByLabel('How many lines').selectOption('0');
    expect((await logs.textContent())!.split('\n')).toHaveLength(40);
    // download: the whole log as a file named after the job
    const [dl] = await Promise.all([page.waitForEvent('download'), page.locator('[data-action="download"]').click()]);
    expect(dl.suggestedFilename()).toBe(`${id}.log`);
    const text = readFileSync((await dl.path())!, 'utf8');
    expect(text).toContain('[rank 0] line 1\n');
    expect(text).toContain('[rank 0] line 40');
    await page.screenshot({ path: join(ARTIFACTS, 'job-page-done.png'), fullPage: true });
    await page.close();
  });

  it('folds checkpoint events into one line with a count; the filter shows one kind', async () => {
    const id = await submit({ name: 'checkpointing twin', model: 'llama3-8b', gpus: 72, tokens: 5e11 });
    // the twin checkpoints every 30 simulated s (0.5 s of wall time): wait for a handful
    const ckpts = async () =>
      (
        (await srv.req<{ events: { type: string }[] }>('GET', `/v1/jobs/${id}/events`, srv.admin)).body.events ?? []
      ).filter((e) => e.type === 'job.checkpoint').length;
    await expect.poll(ckpts, { timeout: 30_000 }).toBeGreaterThanOrEqual(4);
    const page = await openPage(`#job/${id}`);
    const list = page.locator('ol[data-role="events"]');
    await expect.poll(() => list.locator(':scope > li[data-type="checkpoints"]').count()).toBe(1);
    const folded = list.locator(':scope > li[data-type="checkpoints"]');
    const count = Number(await folded.getAttribute('data-count'));
    expect(count).toBeGreaterThanOrEqual(4);
    expect(await folded.textContent()).toMatch(new RegExp(`${count} checkpoints`));
    expect(await list.locator(':scope > li[data-type="job.checkpoint"]').count()).toBe(0);
    // the other events stay one per line: the submission and the transitions
    expect(await list.locator(':scope > li[data-type="job.submitted"]').count()).toBe(1);
    // expand, then filter to checkpoints only
    await folded.getByRole('button').click();
    expect(await folded.locator('li[data-type="job.checkpoint"]').count()).toBeGreaterThanOrEqual(count);
    await page.getByLabel('Which events').selectOption('checkpoints');
    await expect.poll(() => list.locator(':scope > li').count()).toBe(1);
    await page.getByLabel('Which events').selectOption('job.submitted');
    await expect.poll(() => list.locator(':scope > li[data-type="job.submitted"]').count()).toBe(1);
    expect(await list.locator(':scope > li[data-type="checkpoints"]').count()).toBe(0);
    await page.getByLabel('Which events').selectOption('');
    await page.screenshot({ path: join(ARTIFACTS, 'job-page-events.png'), fullPage: true });
    // its own URL: the jobs table links to it, and back
    await page.locator('a.back').click();
    await expect.poll(() => page.locator('#panel-jobs').isVisible()).toBe(true);
    await page.locator(`tr[data-job-id="${id}"] a[data-action="open"]`).click();
    await expect.poll(() => page.url()).toContain(`#job/${id}`);
    await expect.poll(() => page.locator('#panel-job').isVisible()).toBe(true);
    await page.close();
  });

  it('names an unknown job instead of showing an empty page', async () => {
    const page = await openPage('#job/job_nope');
    await expect.poll(() => page.locator('#job-page-title').textContent()).toBe('No job job_nope');
    await page.close();
  });
});
