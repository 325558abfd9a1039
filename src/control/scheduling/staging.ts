// Dataset staging: a job names its dataset folder per site (`datasets: {site: path}`); before its run starts, every
// site of its placement whose folder is missing gets a copy from a site that has it, through the WAN link between
// their namespaces (executors/checkpoint-copy.ts, the same copies as checkpoint replication). The copy lands in
// <path>.staging and is renamed into place when whole, so a crash mid-copy leaves no half dataset and the next
// launch copies again; a folder that exists is never copied. The copy time is part of the job's start delay.
// Event: job.staging {site, from, path, files, bytes, seconds, over}. Folders are flat (files only).
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Fabric } from '../../fabric/types.js';
import type { InputIssue, Job } from '../domain.js';
import { copyCheckpointFiles, type CopyEnd } from '../executors/checkpoint-copy.js';
import { LaunchError } from '../executors/types.js';
import type { SchedulerContext } from './context.js';

/** A dataset copy takes at most this long (assumption: small datasets on the scaled link of examples/deploy). */
const STAGING_TIMEOUT_MS = 120_000;

/** 422 issues of a `datasets` field: every key must be a site of the fabric. */
export function datasetIssues(datasets: Record<string, string> | undefined, fabric: Fabric): InputIssue[] {
  const out: InputIssue[] = [];
  for (const site of Object.keys(datasets ?? {})) {
    if (fabric.sites.some((s) => s.id === site)) continue;
    out.push({
      path: `datasets.${site}`,
      message: `unknown site ${site}`,
      hint: `name sites of ${fabric.name}: ${fabric.sites.map((s) => s.id).join(', ')}`,
    });
  }
  return out;
}

/** The environment a part on `site` gets: SUPERFACTORY_DATASET, its site's folder, when the job names one. */
export function datasetEnv(job: Pick<Job, 'spec'>, site: string): Record<string, string> {
  const path = job.spec.datasets?.[site];
  return path ? { SUPERFACTORY_DATASET: path } : {};
}

function files(dir: string): string[] {
  return readdirSync(dir).filter((f) => statSync(join(dir, f)).isFile());
}

function end(ctx: SchedulerContext, site: string, loopback: boolean): CopyEnd {
  const ex = ctx.cp.bindings.get(site)?.executor;
  return loopback || !ex?.netns ? { netns: null, address: '127.0.0.1' } : { netns: ex.netns, address: ex.address! };
}

/** Copies the dataset to every site in `sites` that lacks it; throws LaunchError when no site has a replica. */
export async function stageDatasets(ctx: SchedulerContext, job: Job, sites: readonly string[]): Promise<void> {
  const ds = job.spec.datasets;
  if (!ds) return;
  for (const site of sites) {
    const target = ds[site];
    if (!target || existsSync(target)) continue;
    const from = Object.keys(ds).find((s) => s !== site && existsSync(ds[s]));
    if (!from)
      throw new LaunchError(
        `dataset: site ${site} has no ${target} and no other site in datasets has its folder (${Object.entries(ds)
          .map(([s, p]) => `${s}: ${p}`)
          .join(', ')})`,
      );
    const names = files(ds[from]);
    const tmp = `${target}.staging`;
    rmSync(tmp, { recursive: true, force: true });
    mkdirSync(tmp, { recursive: true });
    const book = join(ctx.opts.checkpointRoot, job.id, 'staging');
    const loopback = !ctx.cp.bindings.get(from)?.executor.netns || !ctx.cp.bindings.get(site)?.executor.netns;
    const res = await copyCheckpointFiles(
      {
        from: end(ctx, from, loopback),
        to: end(ctx, site, loopback),
        files: names.map((f) => join(ds[from], f)),
        toDir: tmp,
        countFile: join(book, `to-${site}.bytes`),
        inFile: join(book, `from-${from}-to-${site}.bytes`),
        timeoutMs: STAGING_TIMEOUT_MS,
      },
      ctx.clock,
    );
    renameSync(tmp, target); // the commit: the dataset appears whole or not at all
    const data = { site, from, path: target, files: names.length, ...res };
    ctx.log.info({ job: job.id, ...data }, 'dataset staged');
    await ctx.cp.store.appendEvent({
      at: ctx.cp.now(),
      type: 'job.staging',
      jobId: job.id,
      tenantId: job.tenantId,
      siteId: site,
      data,
    });
  }
}
