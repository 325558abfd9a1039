// `superfactory jobs logs ID [-f]`: the job's current run output from GET /v1/jobs/:id/logs. Without -f the
// whole log is read page by page (format=json, by byte offset). Following polls the 64 KiB tail and prints only
// the lines not printed yet (LogFollower): the local executor groups a running gang's lines by rank, so offsets
// into a live multi-rank log are not stable, and the tail snapshots are matched line by line instead.
import {
  LOG_PAGE_MAX_BYTES,
  TERMINAL_JOB_STATES,
  type JobLogPage,
  type JobResponse,
  type JobView,
} from '../contract/index.js';
import { ApiClient, seg, type RemoteFlags } from './client.js';
import { CliInputError } from './errors.js';

/** The API's cap on one answer (src/control/executors: logs(runKey, maxBytes = 64 KiB)). */
const SERVER_TAIL_BYTES = 64 * 1024;
/** Lines of each stream kept to find where a truncated window resumes. */
const KEEP_LINES = 50;

function streamOf(line: string): string {
  const m = /^\[rank \d+\] /.exec(line);
  return m ? m[0] : '';
}

/**
 * Which lines of successive snapshots of a log tail are new. Lines are counted per stream (rank), so a rank's
 * new lines are found even though ranks are grouped, not interleaved. When the snapshot hit the server's cap
 * its first line may be cut and its start moves: then the new lines are those after the last line printed
 * (matched with up to 5 lines before it). Pure: no I/O.
 */
export class LogFollower {
  private seen = new Map<string, number>();
  private tails = new Map<string, string[]>();
  /** True when the last update could not find where it left off: lines were lost between two polls. */
  gap = false;

  constructor(private readonly capBytes = SERVER_TAIL_BYTES) {}

  update(text: string): string[] {
    const truncated = text.length >= this.capBytes;
    const lines = text.split('\n').filter(Boolean);
    if (truncated) lines.shift(); // may start mid-line
    const byStream = new Map<string, string[]>();
    for (const l of lines) {
      const k = streamOf(l);
      const arr = byStream.get(k) ?? [];
      arr.push(l);
      byStream.set(k, arr);
    }
    const fresh: string[] = [];
    this.gap = false;
    for (const [k, cur] of byStream) {
      const start = truncated
        ? this.resumeAt(cur, this.tails.get(k) ?? [])
        : Math.min(this.seen.get(k) ?? 0, cur.length);
      fresh.push(...cur.slice(start));
      this.seen.set(k, cur.length);
      this.tails.set(k, cur.slice(-KEEP_LINES));
    }
    return fresh;
  }

  /**
   * The index in `cur` just after the last printed line (checked with up to 5 lines before it, fewer near the
   * window's start), or 0 when it is no longer in the window.
   */
  private resumeAt(cur: string[], tail: string[]): number {
    if (tail.length === 0) return 0;
    this.gap = true;
    for (let j = cur.length; j >= 1; j--) {
      const m = Math.min(5, tail.length, j);
      let ok = true;
      for (let i = 1; i <= m && ok; i++) ok = cur[j - i] === tail[tail.length - i];
      if (ok) {
        this.gap = false;
        return j;
      }
    }
    return 0;
  }
}

export interface LogsFlags extends RemoteFlags {
  follow?: boolean;
  json?: boolean;
  interval?: string;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function runLogs(id: string, o: LogsFlags): Promise<number> {
  const client = ApiClient.fromFlags(o);
  const intervalS = o.interval === undefined ? 1 : Number(o.interval);
  if (!(intervalS >= 0.1 && intervalS <= 3600)) {
    throw new CliInputError([
      {
        path: '--interval',
        message: `--interval must be 0.1-3600 seconds (got "${o.interval}")`,
        hint: 'e.g. --interval 1',
      },
    ]);
  }
  const getJob = async () => (await client.get<JobResponse>(`/v1/jobs/${seg(id)}`)).job;
  const getLogs = (jobId: string) => client.text(`/v1/jobs/${seg(jobId)}/logs`);
  let job = await getJob();
  if (!o.follow) {
    const text = await wholeLog(client, job.id);
    if (o.json) process.stdout.write(`${JSON.stringify({ job: job.id, state: job.state, runId: job.runId, text })}\n`);
    else if (text) process.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
    else process.stderr.write(`${job.id}: no log lines (${whyNoLogs(job)})\n`);
    return 0;
  }
  let follower = new LogFollower();
  let runId = job.runId;
  const emit = (lines: string[]) => {
    for (const line of lines)
      process.stdout.write(o.json ? `${JSON.stringify({ job: job.id, runId: job.runId, line })}\n` : `${line}\n`);
  };
  for (;;) {
    // The state first, then the text: a run that ended before this read has written all it will write.
    job = await getJob();
    if (job.runId !== runId) {
      runId = job.runId;
      follower = new LogFollower();
      process.stderr.write(`-- attempt ${job.attempt}, run ${job.runId ?? '-'} on ${job.sites.join(',') || '-'} --\n`);
    }
    emit(follower.update(await getLogs(job.id)));
    if (follower.gap)
      process.stderr.write(`-- some lines were lost: the log grew past the server's 64 KiB window between polls --\n`);
    if (TERMINAL_JOB_STATES.includes(job.state)) {
      process.stderr.write(`-- ${job.id} ${job.state}${job.exitCode !== null ? ` (exit ${job.exitCode})` : ''} --\n`);
      return 0;
    }
    await sleep(intervalS * 1000);
  }
}

/** Every page of the log from offset 0 to its end (as it stands when the last page is read). */
async function wholeLog(client: ApiClient, jobId: string): Promise<string> {
  let text = '';
  for (let offset = 0; ;) {
    const p = await client.get<JobLogPage>(`/v1/jobs/${seg(jobId)}/logs`, {
      offset,
      limit: LOG_PAGE_MAX_BYTES,
      format: 'json',
    });
    text += p.text;
    if (p.nextOffset <= offset || p.nextOffset >= p.size) return text;
    offset = p.nextOffset;
  }
}

function whyNoLogs(j: JobView): string {
  if (!j.command) return 'the job has no command; twin sites simulate it and write no logs';
  if (!j.runId) return `it is ${j.state} and has not started a run yet`;
  return `state ${j.state}; its site's executor may not keep logs`;
}
