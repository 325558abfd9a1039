// Checkpoint replication for cross-site gangs, as scheduled transfers over the WAN link. Each part writes its
// own ranks' shards into its site's folder (gang.ts siteCheckpointDir) and commits step-N there; once every
// site has committed step N, each site's missing shards are copied from a site that has them (one copy per
// pair, the pairs in parallel) through the link between their namespaces (executors/checkpoint-copy.ts), so
// the copies share the link with the training traffic and are counted on it. A checkpoint counts for resume
// only when whole on every site (combineGang), so losing a site loses at most the work since the last
// replicated one. Events: checkpoint.replicated {step, from, to, files, bytes, seconds, over}.
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { TERMINAL_STATES, type Job } from '../domain.js';
import { copyCheckpointFiles, type CopyEnd } from '../executors/checkpoint-copy.js';
import { latestCheckpoint, missingShards } from '../executors/checkpoints.js';
import type { SchedulerContext } from './context.js';
import { siteCheckpointDir, type RunRef } from './gang.js';

/** A copy of checkpoint files from one site's folder to another's. */
export interface PlannedCopy {
  from: number;
  to: number;
  files: string[];
}

/**
 * Which site sends which files: for every site, each file it lacks comes from the first other site that has
 * it. Pure. `have[i]`: the file names site i holds; `required`: every file a whole checkpoint has.
 */
export function planCopies(have: readonly ReadonlySet<string>[], required: readonly string[]): PlannedCopy[] {
  const out: PlannedCopy[] = [];
  for (let to = 0; to < have.length; to++) {
    for (const f of required) {
      if (have[to].has(f)) continue;
      const from = have.findIndex((h, i) => i !== to && h.has(f));
      if (from < 0) continue; // nobody has it yet: a later poll retries
      const c = out.find((x) => x.from === from && x.to === to);
      if (c) c.files.push(f);
      else out.push({ from, to, files: [f] });
    }
  }
  return out;
}

/** Steps committed (step-N with its manifest) in a site's folder. */
function committedSteps(dir: string): Set<number> {
  const out = new Set<number>();
  try {
    for (const name of readdirSync(dir)) {
      const m = /^step-(\d+)$/.exec(name);
      if (m && existsSync(join(dir, name, 'manifest.json'))) out.add(Number(m[1]));
    }
  } catch {
    // no folder yet
  }
  return out;
}

/** The newest step committed on every site, or null. */
export function newestCommonStep(dirs: readonly string[]): number | null {
  const sets = dirs.map(committedSteps);
  let best: number | null = null;
  for (const s of sets[0] ?? []) if (sets.every((x) => x.has(s)) && (best === null || s > best)) best = s;
  return best;
}

/** Copies take at most this long (assumption: a checkpoint of this size crosses the scaled link in seconds). */
const COPY_TIMEOUT_MS = 60_000;

export class CheckpointReplicator {
  /** Newest step whose copies finished, per job. */
  private readonly replicated = new Map<string, number>();
  private readonly busy = new Set<string>();

  constructor(private readonly ctx: SchedulerContext) {}

  /** On each poll of a gang: starts the copies of its newest checkpoint committed on every site (not awaited). */
  observe(job: Job, refs: readonly RunRef[]): void {
    // every job's checkpoints (not only checkpointable ones): a checkpoint is whole on a site only after its copy
    if (refs.length < 2 || this.busy.has(job.id)) return;
    const jobDir = join(this.ctx.opts.checkpointRoot, job.id);
    const dirs = refs.map((r) => siteCheckpointDir(jobDir, r.site));
    const step = newestCommonStep(dirs);
    if (step === null || step <= (this.replicated.get(job.id) ?? -1)) return;
    const paths = dirs.map((d) => join(d, `step-${step}`));
    const required = missingShards(paths[0]).concat(...paths.slice(1).map(missingShards));
    const wanted = [...new Set(required)];
    const have = paths.map((p) => new Set(readdirSync(p)));
    const copies = planCopies(have, wanted);
    if (copies.length === 0) {
      this.replicated.set(job.id, step);
      return;
    }
    this.busy.add(job.id);
    if (this.replicated.size > 10_000) this.replicated.clear(); // bounded: at worst a checkpoint is copied again
    void this.copyAll(job, refs, step, paths, copies).finally(() => this.busy.delete(job.id));
  }

  private end(r: RunRef, loopback: boolean): CopyEnd {
    const ex = r.binding.executor;
    return loopback ? { netns: null, address: '127.0.0.1' } : { netns: ex.netns!, address: ex.address ?? '127.0.0.1' };
  }

  private async copyAll(
    job: Job,
    refs: readonly RunRef[],
    step: number,
    paths: string[],
    copies: PlannedCopy[],
  ): Promise<void> {
    const { cp, log, clock } = this.ctx;
    const loopback = refs.some((r) => !r.binding.executor.netns);
    const results = await Promise.allSettled(
      copies.map(async (c) => {
        const [from, to] = [refs[c.from], refs[c.to]];
        const res = await copyCheckpointFiles(
          {
            from: this.end(from, loopback),
            to: this.end(to, loopback),
            files: c.files.map((f) => join(paths[c.from], f)),
            toDir: paths[c.to],
            // the sending site's running count: its trainer leaves these bytes out of its training traffic
            countFile: join(paths[c.from], '..', '.replication', `step-${step}-to-${to.site}.bytes`),
            inFile: join(paths[c.to], '..', '.replication', `step-${step}-from-${from.site}.bytes`),
            timeoutMs: COPY_TIMEOUT_MS,
          },
          clock,
        );
        const data = { step, from: from.site, to: to.site, files: c.files.length, ...res, attempt: job.attempt };
        log.info({ job: job.id, ...data }, 'checkpoint replicated');
        await cp.store.appendEvent({
          at: cp.now(),
          type: 'checkpoint.replicated',
          jobId: job.id,
          tenantId: job.tenantId,
          siteId: to.site,
          data,
        });
      }),
    );
    const failed = results.find((r) => r.status === 'rejected') as PromiseRejectedResult | undefined;
    if (failed) {
      log.warn({ job: job.id, step, err: (failed.reason as Error).message }, 'checkpoint replication failed; retried');
      return;
    }
    this.replicated.set(job.id, step);
    await this.recordIfFinished(job.id, step, paths);
  }

  /** A gang that finished before its last copies did: record the checkpoint now whole everywhere. */
  private async recordIfFinished(jobId: string, step: number, paths: string[]): Promise<void> {
    const { cp } = this.ctx;
    const cur = await cp.store.getJob(jobId);
    if (!cur || !TERMINAL_STATES.has(cur.state) || (cur.checkpoint && cur.checkpoint.step >= step)) return;
    if (!paths.every((p) => latestCheckpoint(join(p, '..'))?.step === step)) return;
    const checkpoint = { step, path: paths[0], at: cp.now(), site: null };
    await cp.store.updateJob(jobId, { checkpoint }, cp.now(), 'job.checkpoint', { step, path: paths[0] });
  }
}
