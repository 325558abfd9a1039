// `npm run chaos`: a bounded kill -9 campaign on a control-plane process (loopback, SQLite in a temp
// folder, the two-site test fabric, twin executors). Each round submits jobs from concurrent clients
// with Idempotency-Keys, SIGKILLs the server at a seeded random moment, restarts it on the same store,
// and checks: the store opens (integrity and identity hold), it is ready, every acknowledged job is
// there, and no key made two jobs (a retry of every key, acknowledged or not, yields one job).
//   npm run chaos -- [--rounds N] [--jobs M] [--seed K]
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Rng } from '../src/core/rng.js';
import { api, spawnServer } from '../test/control/process.js';

const ROOT = fileURLToPath(new URL('../', import.meta.url));

export interface ChaosReport {
  rounds: number;
  acknowledged: number;
  lost: string[];
  duplicated: string[];
  notReady: number;
  seconds: number;
}

export async function chaos(opts: { rounds?: number; jobs?: number; seed?: number } = {}): Promise<ChaosReport> {
  const rounds = opts.rounds ?? 5;
  const perRound = opts.jobs ?? 60;
  const rng = new Rng(opts.seed ?? 7);
  const dir = mkdtempSync(join(tmpdir(), 'sf-chaos-'));
  const admin = `sf_chaos_${randomBytes(8).toString('hex')}`;
  const cfg = join(dir, 'deploy.yaml');
  writeFileSync(
    cfg,
    [
      'port: 0',
      'host: 127.0.0.1',
      `store: ${join(dir, 'control.db')}`,
      `fabric: ${join(ROOT, 'test/control/data/two-sites.yaml')}`,
      `checkpointRoot: ${join(dir, 'checkpoints')}`,
      'tickMs: 50',
      'rateLimit: { perSecond: 100000, burst: 100000 }',
      'sites:',
      "  '*': { executor: twin, speedup: 600, checkpointEveryS: 60 }",
    ].join('\n'),
  );
  const env = { SUPERFACTORY_ADMIN_TOKEN: admin };
  const report: ChaosReport = { rounds: 0, acknowledged: 0, lost: [], duplicated: [], notReady: 0, seconds: 0 };
  const acked = new Map<string, string>(); // idempotency key -> job id
  const keys: string[] = [];
  const t0 = Date.now();
  let server = await spawnServer(cfg, env);
  try {
    for (let round = 0; round < rounds; round++) {
      const killAfterMs = 20 + rng.int(400);
      const submit = async (i: number) => {
        const key = `chaos-${round}-${i}`;
        keys.push(key);
        const body = { name: key, model: 'llama3-8b', gpus: 1 + rng.int(8), priority: rng.int(10) };
        try {
          const r = await api(server.url, 'POST', '/v1/jobs', admin, body, { 'idempotency-key': key });
          if (r.status === 201 || r.status === 200) acked.set(key, r.body.job.id);
        } catch {
          // the server died mid-request: not acknowledged, so not owed (the name check below still catches a duplicate)
        }
      };
      const burst = Promise.all(Array.from({ length: perRound }, (_, i) => submit(i)));
      await new Promise((r) => setTimeout(r, killAfterMs));
      await server.kill9();
      await burst;
      server = await spawnServer(cfg, env);
      const ready = await api(server.url, 'GET', '/healthz', null);
      if (ready.status !== 200) report.notReady++;
      report.rounds++;
    }
    // every acknowledged job is there; every key (acknowledged or cut) names at most one job
    for (const [key, id] of acked) {
      const g = await api(server.url, 'GET', `/v1/jobs/${id}`, admin);
      if (g.status !== 200) report.lost.push(`${key} -> ${id} (${g.status})`);
    }
    const byName = new Map<string, number>();
    let cursor: string | null = null;
    do {
      const page: { body: { jobs: { name: string }[]; nextCursor: string | null } } = await api(
        server.url,
        'GET',
        `/v1/jobs?limit=1000${cursor ? `&cursor=${cursor}` : ''}`,
        admin,
      );
      for (const j of page.body.jobs) byName.set(j.name, (byName.get(j.name) ?? 0) + 1);
      cursor = page.body.nextCursor;
    } while (cursor);
    for (const [name, n] of byName) if (n > 1) report.duplicated.push(`${name} x${n}`);
    report.acknowledged = acked.size;
  } finally {
    report.seconds = (Date.now() - t0) / 1000;
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
  return report;
}

function flag(name: string): number | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : undefined;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const r = await chaos({ rounds: flag('rounds'), jobs: flag('jobs'), seed: flag('seed') });
  console.log(
    `chaos: ${r.rounds} kill -9 rounds in ${r.seconds.toFixed(1)} s; ${r.acknowledged} acknowledged jobs; ` +
      `${r.lost.length} lost, ${r.duplicated.length} duplicated, ${r.notReady} restarts not ready`,
  );
  for (const x of [...r.lost, ...r.duplicated].slice(0, 20)) console.log(`  ${x}`);
  process.exit(r.lost.length + r.duplicated.length + r.notReady === 0 ? 0 : 1);
}
