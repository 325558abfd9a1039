// One job's life in the simulation (`Run`), and its storage. The numbers of a million runs live in one Float64Array
// (20 per run: its own and its segment's) behind accessors: as object fields each double is a separate heap box
// that every collection walks (issue 12 scale: ~1 KB per run before, most of a million-job run's heap). The request
// copy the scheduler sees exists only while the job is in the system.
import type { ProgressSegment } from '../../core/progress.js';
import type { Allocation, JobRequest, RunningJob } from '../../sched/types.js';
import type { JobSpec } from '../../workload/types.js';
import type { JobPlan } from '../job-plans.js';
import type { StopKind } from '../restart.js';

export type Phase = 'pending' | 'queued' | 'running' | 'done' | 'rejected';

/**
 * The scheduler's copy of a job's request (its `durationS` becomes the work left), with its run's index: passes hand
 * back jobs, not ids to look up. A class with the request's fields (absent optional ones undefined), not a spread of
 * the spec: one shape for every request, built without a generic property copy (issue 12: ~1 s at 10x Philly).
 */
export class SimRequest implements JobRequest {
  id: string;
  tenant: string;
  priority: number;
  gpus: number;
  kind: JobRequest['kind'];
  modelId: string;
  allowedJurisdictions: string[] | undefined;
  preemptible: boolean;
  checkpointable: boolean;
  submitTimeS: number;
  deadlineS: number | undefined;
  durationS: number | undefined;
  tokens: number | undefined;
  allowMultiSite: boolean | undefined;

  constructor(
    spec: JobRequest,
    readonly runIndex: number,
  ) {
    this.id = spec.id;
    this.tenant = spec.tenant;
    this.priority = spec.priority;
    this.gpus = spec.gpus;
    this.kind = spec.kind;
    this.modelId = spec.modelId;
    this.allowedJurisdictions = spec.allowedJurisdictions;
    this.preemptible = spec.preemptible;
    this.checkpointable = spec.checkpointable;
    this.submitTimeS = spec.submitTimeS;
    this.deadlineS = spec.deadlineS;
    this.durationS = spec.durationS;
    this.tokens = spec.tokens;
    this.allowMultiSite = spec.allowMultiSite;
  }
}

// Every JobRequest field must be copied above: this fails to compile when JobRequest gains one SimRequest lacks
// (an optional field would otherwise be dropped silently, `implements` allows that).
const ALL_REQUEST_FIELDS_COPIED: [Exclude<keyof JobRequest, keyof SimRequest>] extends [never] ? true : never = true;
void ALL_REQUEST_FIELDS_COPIED;

/** The run index of a request the simulator made (every job in its queue and on its GPUs is one). */
export function runIndexOf(job: JobRequest): number {
  return (job as SimRequest).runIndex;
}

/** One job's life in the simulation. */
export interface Run {
  spec: JobSpec;
  /** The request the scheduler sees (durationS = work left): from arrival until the job is done or rejected. */
  req: SimRequest | null;
  phase: Phase;
  /** Work the job needs (s at full speed). */
  totalWork: number;
  /** Bumped whenever a scheduled Finish / DrainMove becomes stale. */
  version: number;
  alloc: Allocation | null;
  running: RunningJob | null;
  /** The current (or last) segment: progress and checkpoints (src/core/progress.ts). */
  readonly seg: ProgressSegment;
  firstStartS: number;
  endS: number;
  gpuSeconds: number;
  /** Ideal seconds of work redone. */
  lostWorkS: number;
  /** GPU-seconds held by work that was later lost (since the last checkpoint, or the attempt's start). */
  lostHeldGpuS: number;
  /** GPU-seconds held while restarting (detection, rescheduling, start, checkpoint read, warm-up). */
  restartGpuS: number;
  /** Wall time since which the saved work stands: the last checkpoint before the current segment, or compute start. */
  savedSinceS: number;
  /** Why the job last stopped (the next start pays that restart), or null before its first start. */
  lastStop: StopKind | null;
  interruptions: number;
  preemptions: number;
  energyJ: number;
  carbonG: number;
  costUsd: number;
  waterL: number;
  rejectReason: string | undefined;
  /** Sites the job ran on (a small array, exact size: a Set per job costs more memory at a million jobs). */
  sites: readonly string[];
  /** The planner's plan for the current (or last) placement. */
  plan: JobPlan | null;
}

/** Numbers per run: 12 of the run's own, then its segment's 8 (from SEG). */
const NUMBERS = 20;
const SEG = 12;
const NO_SITES: readonly string[] = Object.freeze([]);

/**
 * A Run whose numbers are slots of a shared column block (slot order: the accessors below). It is its own current
 * segment too (`seg` is the record itself: the segment's fields are other names), one object per run instead of two.
 */
class RunRecord implements Run, ProgressSegment {
  req: SimRequest | null = null;
  phase: Phase = 'pending';
  version = 0;
  alloc: Allocation | null = null;
  running: RunningJob | null = null;
  lastStop: StopKind | null = null;
  interruptions = 0;
  preemptions = 0;
  rejectReason: string | undefined = undefined;
  sites: readonly string[] = NO_SITES;
  plan: JobPlan | null = null;

  constructor(
    readonly spec: JobSpec,
    private readonly n: Float64Array,
    private readonly o: number,
  ) {
    const total = spec.durationS ?? 0;
    n[o] = total;
    n[o + 1] = -1; // firstStartS
    n[o + 2] = -1; // endS
    n[o + SEG + 4] = 1; // speed
    n[o + SEG + 5] = Infinity; // intervalS: no checkpoints until the job starts
    n[o + SEG + 7] = total; // totalWorkS
  }

  get seg(): ProgressSegment {
    return this;
  }

  get totalWork(): number {
    return this.n[this.o];
  }
  set totalWork(v: number) {
    this.n[this.o] = v;
  }
  get firstStartS(): number {
    return this.n[this.o + 1];
  }
  set firstStartS(v: number) {
    this.n[this.o + 1] = v;
  }
  get endS(): number {
    return this.n[this.o + 2];
  }
  set endS(v: number) {
    this.n[this.o + 2] = v;
  }
  get gpuSeconds(): number {
    return this.n[this.o + 3];
  }
  set gpuSeconds(v: number) {
    this.n[this.o + 3] = v;
  }
  get lostWorkS(): number {
    return this.n[this.o + 4];
  }
  set lostWorkS(v: number) {
    this.n[this.o + 4] = v;
  }
  get lostHeldGpuS(): number {
    return this.n[this.o + 5];
  }
  set lostHeldGpuS(v: number) {
    this.n[this.o + 5] = v;
  }
  get restartGpuS(): number {
    return this.n[this.o + 6];
  }
  set restartGpuS(v: number) {
    this.n[this.o + 6] = v;
  }
  get savedSinceS(): number {
    return this.n[this.o + 7];
  }
  set savedSinceS(v: number) {
    this.n[this.o + 7] = v;
  }
  get energyJ(): number {
    return this.n[this.o + 8];
  }
  set energyJ(v: number) {
    this.n[this.o + 8] = v;
  }
  get carbonG(): number {
    return this.n[this.o + 9];
  }
  set carbonG(v: number) {
    this.n[this.o + 9] = v;
  }
  get costUsd(): number {
    return this.n[this.o + 10];
  }
  set costUsd(v: number) {
    this.n[this.o + 10] = v;
  }
  get waterL(): number {
    return this.n[this.o + 11];
  }
  set waterL(v: number) {
    this.n[this.o + 11] = v;
  }
  get startS(): number {
    return this.n[this.o + SEG];
  }
  set startS(v: number) {
    this.n[this.o + SEG] = v;
  }
  get startupS(): number {
    return this.n[this.o + SEG + 1];
  }
  set startupS(v: number) {
    this.n[this.o + SEG + 1] = v;
  }
  get baseWorkS(): number {
    return this.n[this.o + SEG + 2];
  }
  set baseWorkS(v: number) {
    this.n[this.o + SEG + 2] = v;
  }
  get savedWorkS(): number {
    return this.n[this.o + SEG + 3];
  }
  set savedWorkS(v: number) {
    this.n[this.o + SEG + 3] = v;
  }
  get speed(): number {
    return this.n[this.o + SEG + 4];
  }
  set speed(v: number) {
    this.n[this.o + SEG + 4] = v;
  }
  get intervalS(): number {
    return this.n[this.o + SEG + 5];
  }
  set intervalS(v: number) {
    this.n[this.o + SEG + 5] = v;
  }
  get checkpointS(): number {
    return this.n[this.o + SEG + 6];
  }
  set checkpointS(v: number) {
    this.n[this.o + SEG + 6] = v;
  }
  get totalWorkS(): number {
    return this.n[this.o + SEG + 7];
  }
  set totalWorkS(v: number) {
    this.n[this.o + SEG + 7] = v;
  }
}

/** The runs of a workload at time 0, in job order. */
export function newRuns(jobs: readonly JobSpec[]): Run[] {
  const numbers = new Float64Array(jobs.length * NUMBERS);
  const runs: Run[] = new Array<Run>(jobs.length);
  for (let i = 0; i < jobs.length; i++) runs[i] = new RunRecord(jobs[i], numbers, i * NUMBERS);
  return runs;
}

/** One frozen one-site list per site id, shared by every run that ran on that site alone (immutable: a memo). */
const oneSite = new Map<string, readonly string[]>();

/** Add a placement's sites to the sites a run ran on (a new exact-size array, as the old one may be shared). */
export function addSites(r: Run, sites: readonly string[]): void {
  if (r.sites.length === 0 && sites.length === 1) {
    let l = oneSite.get(sites[0]);
    if (!l) oneSite.set(sites[0], (l = Object.freeze([sites[0]])));
    r.sites = l;
    return;
  }
  const extra: string[] = [];
  for (const s of sites) if (!r.sites.includes(s) && !extra.includes(s)) extra.push(s);
  if (extra.length > 0) r.sites = r.sites.concat(extra);
}
