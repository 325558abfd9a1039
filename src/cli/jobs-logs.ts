// `superfactory jobs logs ID [-f]`: the job's current run output from GET /v1/jobs/:id/logs. Without -f the
// whole log is read page by page (format=json, by byte offset). Following reads by offset too (OffsetFollower)
// while the log only grows; a local gang's log is grouped by rank, not appended, so for one the 64 KiB tail is
// polled and only the lines not printed yet are printed (LogFollower).
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

/**
 * Follows a log that only grows, by byte offset (GET .../logs?offset=): every line exactly once, even when it grew
 * by more than the tail between two polls. Only complete lines are printed; the text after the last newline is
 * asked for again next time (a line still being written may grow in place), and printed by `flush` at the end.
 * Pure: pages in, lines out.
 */
export class OffsetFollower {
  /** The next byte to ask for: the start of the first line not printed yet. */
  offset = 0;
  /** Everything printed so far (seeds a LogFollower if the log turns out not to only grow). */
  printed: string[] = [];
  private rest = '';

  update(page: Pick<JobLogPage, 'offset' | 'text'>): string[] {
    if (page.offset !== this.offset) return []; // not the page asked for: nothing is printed twice
    const cut = page.text.lastIndexOf('\n');
    this.rest = cut < 0 ? page.text : page.text.slice(cut + 1);
    if (cut < 0) return [];
    this.offset += Buffer.byteLength(page.text.slice(0, cut + 1));
    const lines = page.text.slice(0, cut).split('\n').filter(Boolean);
    this.printed.push(...lines);
    return lines;
  }

  /** The last line, once the run has ended (its log will not grow). */
  flush(): string[] {
    const last = this.rest ? [this.rest] : [];
    this.printed.push(...last);
    this.rest = '';
    return last;
  }
}

/** A gang's log (lines of rank 1 and up): the local executor groups it by rank, so it does not only grow. */
export const groupedByRank = (text: string): boolean => /^\[rank [1-9]\d*\] /m.test(text);

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
  const job = (await client.get<JobResponse>(`/v1/jobs/${seg(id)}`)).job;
  if (!o.follow) {
    const text = await wholeLog(client, job.id);
    if (o.json) process.stdout.write(`${JSON.stringify({ job: job.id, state: job.state, runId: job.runId, text })}\n`);
    else if (text) process.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
    else process.stderr.write(`${job.id}: no log lines (${whyNoLogs(job)})\n`);
    return 0;
  }
  return follow(client, job, o, intervalS);
}

/**
 * Prints the run's lines as they come until the job ends. A log that only grows (one process, or Slurm's one
 * output file) is read by offset: nothing is lost however fast it grows. A local gang's log (grouped by rank) is
 * matched line by line over the tail instead (LogFollower), seeded with what was printed already.
 */
async function follow(client: ApiClient, first: JobView, o: LogsFlags, intervalS: number): Promise<number> {
  let job = first;
  let byOffset: OffsetFollower | null = new OffsetFollower();
  let follower = new LogFollower();
  let runId = job.runId;
  const emit = (lines: string[]) => {
    for (const line of lines)
      process.stdout.write(o.json ? `${JSON.stringify({ job: job.id, runId: job.runId, line })}\n` : `${line}\n`);
  };
  for (;;) {
    // The state first, then the text: a run that ended before this read has written all it will write.
    job = (await client.get<JobResponse>(`/v1/jobs/${seg(job.id)}`)).job;
    const ended = TERMINAL_JOB_STATES.includes(job.state);
    if (job.runId !== runId) {
      runId = job.runId;
      byOffset = new OffsetFollower();
      follower = new LogFollower();
      process.stderr.write(`-- attempt ${job.attempt}, run ${job.runId ?? '-'} on ${job.sites.join(',') || '-'} --\n`);
    }
    if (byOffset) {
      const page = await client.get<JobLogPage>(`/v1/jobs/${seg(job.id)}/logs`, {
        offset: byOffset.offset,
        limit: LOG_PAGE_MAX_BYTES,
        format: 'json',
      });
      if (groupedByRank(page.text)) {
        follower.update(byOffset.printed.join('\n')); // what was printed counts as seen
        byOffset = null;
      } else {
        emit(byOffset.update(page));
        if (ended) emit(byOffset.flush());
      }
    }
    if (!byOffset) {
      emit(follower.update(await client.text(`/v1/jobs/${seg(job.id)}/logs`)));
      if (follower.gap)
        process.stderr.write(
          `-- some lines were lost: the log grew past the server's 64 KiB window between polls --\n`,
        );
    }
    if (ended) {
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
