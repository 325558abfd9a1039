// kill -9 of the server in the middle of a burst of submissions: every acknowledged (2xx) job is
// still there after the restart, and no job is ever started twice (each start appends its run key).
// The kill lands while at least one launch is claimed but not committed (held members spawned,
// `launched` not written; fault injection widens that window to 250 ms), the case that used to leave
// a job `starting` forever after the restart.
import { afterAll, describe, expect, it } from 'vitest';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { TWO_SITES } from './fixtures.js';
import { tempDir, waitFor } from './helpers.js';
import { api, spawnServer, writeConfig, type ServerProcess } from './process.js';

const TOKEN = 'sf_crash-test-admin-token-0123456789';

/** Run keys whose launch is claimed and has spawned held members but is not committed. */
function uncommitted(runs: string): string[] {
  if (!existsSync(runs)) return [];
  return readdirSync(runs).filter((k) => {
    const files = readdirSync(join(runs, k));
    return !files.includes('launched') && files.some((f) => f.startsWith('rank0.pgid.'));
  });
}

function listing(runs: string, runKey: string | null): string {
  if (!runKey) return '(no run)';
  try {
    return readdirSync(join(runs, runKey)).join(',');
  } catch {
    return '(no run folder)';
  }
}
const servers: ServerProcess[] = [];
afterAll(async () => {
  for (const s of servers) await s.kill9();
});

describe('crash safety', () => {
  it('loses no acknowledged job and starts none twice across a kill -9 mid-submission', async () => {
    const dir = tempDir('sf-crash-');
    const starts = join(dir, 'starts.log');
    const cfg = await writeConfig(dir, 'server', {
      port: 0,
      store: join(dir, 'control.db'),
      fabric: TWO_SITES,
      adminToken: TOKEN,
      tickMs: 50,
      checkpointRoot: join(dir, 'ckpt'),
      rateLimit: { perSecond: 100000, burst: 100000 },
      sites: { '*': { executor: 'local', root: join(dir, 'runs') } },
    });
    const runs = join(dir, 'runs');
    const s1 = await spawnServer(cfg, { SUPERFACTORY_FAULT_LAUNCH_COMMIT_DELAY_MS: '250' });
    servers.push(s1);
    const command = [
      'sh',
      '-c',
      `[ "$RANK" = 0 ] && echo "$SUPERFACTORY_JOB_ID $SUPERFACTORY_RUN_KEY" >> ${starts}; sleep 0.2`,
    ];
    const acked = new Set<string>();
    let stop = false;
    let n = 0;
    const worker = async () => {
      while (!stop) {
        const i = n++;
        try {
          const r = await api(
            s1.url,
            'POST',
            '/v1/jobs',
            TOKEN,
            { name: `burst-${i}`, model: 'llama3-8b', gpus: 1 + (i % 2), command },
            { 'idempotency-key': `k${i}` },
          );
          if (r.status === 201 || r.status === 200) acked.add(r.body.job.id);
        } catch {
          return; // connection refused or reset: the server is gone
        }
      }
    };
    const workers = Array.from({ length: 16 }, worker);
    let cut: string[] = [];
    await waitFor(() => acked.size >= 150 && existsSync(starts) && (cut = uncommitted(runs)).length > 0, 30_000, 5);
    await s1.kill9(); // mid-burst, while the scheduler is starting runs, one launch at least not committed
    stop = true;
    await Promise.all(workers);
    expect(acked.size).toBeGreaterThanOrEqual(150);

    const s2 = await spawnServer(cfg);
    servers.push(s2);
    // every acknowledged job survived
    const all = new Map<string, string>();
    let cursor: string | null = null;
    do {
      const r: { body: { jobs: { id: string; state: string }[]; nextCursor: string | null } } = await api(
        s2.url,
        'GET',
        `/v1/jobs?limit=1000${cursor ? `&cursor=${cursor}` : ''}`,
        TOKEN,
      );
      for (const j of r.body.jobs) all.set(j.id, j.state);
      cursor = r.body.nextCursor;
    } while (cursor);
    for (const id of acked) expect(all.has(id), `acknowledged job ${id} lost`).toBe(true);
    // the restarted server reconciles and carries on: every job finishes
    let left: string[] = [];
    await waitFor(
      async () => {
        const r = await api(s2.url, 'GET', '/v1/jobs?state=queued,admitted,starting,running&limit=20', TOKEN);
        left = r.body.jobs.map(
          (j: { id: string; state: string; reason: string | null; runId: string | null }) =>
            `${j.id} ${j.state} ${j.reason ?? ''} [run ${j.runId}: ${listing(runs, j.runId)}]`,
        );
        return r.body.jobs.length === 0;
      },
      90_000,
      250,
    ).catch((err: Error) => {
      throw new Error(`${err.message}; unfinished: ${left.join('; ')}\nserver output:\n${s2.output().slice(-3000)}`);
    });
    const failed = await api(s2.url, 'GET', '/v1/jobs?state=failed,cancelled&limit=1000', TOKEN);
    expect(failed.body.jobs.map((j: { id: string; reason: string }) => `${j.id}: ${j.reason}`)).toEqual([]);
    // the launches cut by the kill were completed under their run key, not restarted as a new attempt
    for (const k of cut) {
      const j = await api(s2.url, 'GET', `/v1/jobs/${k.split('.')[0]}`, TOKEN);
      expect(j.body.job).toMatchObject({ state: 'succeeded', runId: k });
    }
    // no job started twice
    const lines = readFileSync(starts, 'utf8').trim().split('\n');
    const perJob = new Map<string, number>();
    for (const l of lines) {
      const id = l.split(' ')[0];
      perJob.set(id, (perJob.get(id) ?? 0) + 1);
    }
    const twice = [...perJob].filter(([, c]) => c > 1);
    expect(twice).toEqual([]);
    expect(perJob.size).toBe(all.size);
    await s2.stop();
  }, 150_000);

  it('gangs across two sites: kill -9 mid-launch starts no part twice and leaves no part alone', async () => {
    // every job needs 16 GPUs: more than either 8-GPU site, so each is one gang with a part on atl and on wi
    const dir = tempDir('sf-crash-gang-');
    const starts = join(dir, 'starts.log');
    const cfg = await writeConfig(dir, 'server', {
      port: 0,
      store: join(dir, 'control.db'),
      fabric: TWO_SITES,
      adminToken: TOKEN,
      tickMs: 50,
      checkpointRoot: join(dir, 'ckpt'),
      rateLimit: { perSecond: 100000, burst: 100000 },
      sites: {
        atl: { executor: 'local', root: join(dir, 'runs', 'atl'), gpusPerProcess: 8 },
        wi: { executor: 'local', root: join(dir, 'runs', 'wi'), gpusPerProcess: 8 },
      },
    });
    const s1 = await spawnServer(cfg, { SUPERFACTORY_FAULT_LAUNCH_COMMIT_DELAY_MS: '100' });
    servers.push(s1);
    const command = [
      'sh',
      '-c',
      `echo "$SUPERFACTORY_JOB_ID $SUPERFACTORY_RUN_KEY $SUPERFACTORY_SITE $SUPERFACTORY_SITE_INDEX/$SUPERFACTORY_SITE_COUNT" >> ${starts}; sleep 0.2`,
    ];
    const ids: string[] = [];
    for (let i = 0; i < 12; i++) {
      const r = await api(s1.url, 'POST', '/v1/jobs', TOKEN, {
        name: `gang-${i}`,
        model: 'llama3-8b',
        gpus: 16,
        command,
      });
      expect(r.status).toBe(201);
      ids.push(r.body.job.id);
    }
    // kill while a gang is being launched: its parts spawned (held or not yet released)
    const held = () =>
      ['atl', 'wi'].flatMap((site) => {
        const root = join(dir, 'runs', site);
        return existsSync(root)
          ? readdirSync(root).filter((k) => !readdirSync(join(root, k)).includes('launched'))
          : [];
      });
    await waitFor(() => existsSync(starts) && held().length > 0, 60_000, 5);
    await s1.kill9();
    const s2 = await spawnServer(cfg);
    servers.push(s2);
    await waitFor(
      async () =>
        (await api(s2.url, 'GET', '/v1/jobs?state=queued,admitted,starting,running', TOKEN)).body.jobs.length === 0,
      120_000,
      250,
    );
    const failed = await api(s2.url, 'GET', '/v1/jobs?state=failed,cancelled', TOKEN);
    expect(failed.body.jobs.map((j: { id: string; reason: string }) => `${j.id}: ${j.reason}`)).toEqual([]);
    const lines = readFileSync(starts, 'utf8').trim().split('\n');
    const runKeys = lines.map((l) => l.split(' ')[1]);
    expect(runKeys.length).toBe(new Set(runKeys).size); // no part started twice
    for (const id of ids) {
      const mine = lines.filter((l) => l.startsWith(`${id} `)).map((l) => l.split(' '));
      // exactly one attempt ran, with both parts: one per site, ranks numbered across the gang
      expect(mine.map((m) => m[2]).sort(), id).toEqual(['atl', 'wi']);
      expect(new Set(mine.map((m) => m[1].replace(/\.p\d+$/, ''))).size).toBe(1);
      expect(mine.map((m) => m[3]).sort()).toEqual(['0/2', '1/2']);
    }
    await s2.stop();
  }, 200_000);
});
