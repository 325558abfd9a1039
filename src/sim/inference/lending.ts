// Training and serving share a site (issue 15): every control interval the policy compares the measured arrival rate
// with the serving capacity; short of capacity it suspends a training job and turns its GPUs into replicas, with
// spare capacity it drains the last lent replicas and resumes the job. Checkpoint-aware: a job is suspended at its
// next checkpoint when that comes within maxCheckpointWaitS (losing nothing), else at once, losing the compute since
// its last checkpoint, which is less than one interval. Progress, checkpoints and the resume cost are the training
// twin's rules (src/core/progress.ts, src/sim/restart.ts), not a copy.
import { nextCheckpointAfterS, savedAtS, workAtS, type ProgressSegment } from '../../core/progress.js';
import { DEFAULT_RESTART, restartParts } from '../restart.js';
import { EV_CONTROL, type EngineHooks, type InferenceEngine } from './engine.js';
import type { LendingReport, SharingSpec, TwinReplicaSpec } from './types.js';

/**
 * ASSUMPTION: give a lent job back only when the capacity left after it still covers 1.25 x the need, so the
 * policy does not flap around the threshold.
 */
const RETURN_MARGIN = 1.25;
/**
 * ASSUMPTION: a lent job stays lent at least this long (s): every lend and return costs a suspension and a restart,
 * so giving GPUs back minutes after lending them (as the load hovers near the threshold) loses more than it saves.
 */
export const MIN_LEND_S = 3600;

/**
 * Requests/s one replica sustains for requests of the mean shape while its TPOT stays within `tpotSloS`: at batch B
 * in steady state B / meanOut sequences finish per iteration and as many prompts are prefilled, so an iteration takes
 * decode(B) + (B / meanOut) x prefill(meanPrompt) (their max when disaggregated); the largest B (up to maxBatch and
 * the KV cache) whose iteration fits the TPOT SLO sets the rate. For the lending policy's sizing only; the twin's
 * latencies come from the simulated iterations.
 */
export function replicaCapacityRps(
  spec: Pick<TwinReplicaSpec, 'timings' | 'maxBatch' | 'disaggregated'>,
  meanPromptTokens: number,
  meanOutputTokens: number,
  tpotSloS = Infinity,
): number {
  const t = spec.timings;
  const perSeq = meanPromptTokens + meanOutputTokens;
  const maxB = Math.max(1, Math.min(spec.maxBatch, Math.floor(t.kvCapacityTokens / perSeq)));
  const prefillS = t.prefillSeconds(Math.max(1, Math.round(meanPromptTokens)));
  const iterS = (b: number): number => {
    const decodeS = t.decodeStepSeconds(b, b * (meanPromptTokens + meanOutputTokens / 2));
    const p = (b / Math.max(1, meanOutputTokens)) * prefillS;
    return spec.disaggregated ? Math.max(decodeS, p) : decodeS + p;
  };
  let b = maxB;
  while (b > 1 && iterS(b) > tpotSloS) b = Math.max(1, Math.floor(b * 0.9));
  return b / Math.max(1, meanOutputTokens) / iterS(b);
}

interface Job {
  id: string;
  gpus: number;
  seg: ProgressSegment;
  /** The same job never interrupted: the goodput baseline. */
  baseline: ProgressSegment;
  state: 'training' | 'lent' | 'draining';
  replicas: number[];
  suspendS: number;
  keptWorkS: number;
}

export class Lending implements EngineHooks {
  private jobs: Job[];
  private lentOrder: Job[] = [];
  private lastArrived = 0;
  private capRps: number;
  private baseCapRps: number[];
  private replicasLentPeak = 0;
  private lentGpuS = 0;
  private lostGpuS = 0;
  private restartGpuS = 0;
  private maxLostWorkS = 0;
  private events: LendingReport['events'] = [];

  constructor(
    private e: InferenceEngine,
    private spec: SharingSpec,
  ) {
    e.hooks = this;
    const { prompt, output } = e.reqs;
    const mean = (a: Int32Array): number => a.reduce((s, x) => s + x, 0) / Math.max(1, a.length);
    const mp = mean(prompt);
    const mo = mean(output);
    const tpotS = e.inp.slo.tpotP99Ms / 1000;
    this.capRps = replicaCapacityRps(spec.replica, mp, mo, tpotS);
    this.baseCapRps = e.replicas.map((r) => replicaCapacityRps(r.spec, mp, mo, tpotS));
    this.jobs = spec.jobs.map((j) => {
      const seg: ProgressSegment = {
        startS: 0,
        startupS: 0,
        baseWorkS: 0,
        savedWorkS: 0,
        speed: 1,
        intervalS: j.intervalS,
        checkpointS: j.checkpointS,
        totalWorkS: Infinity,
      };
      return { id: j.id, gpus: j.gpus, seg, baseline: seg, state: 'training', replicas: [], suspendS: 0, keptWorkS: 0 };
    });
    e.q.push(spec.controlIntervalS, EV_CONTROL);
  }

  private replicasPerJob(j: Job): number {
    return Math.floor(j.gpus / this.spec.replica.gpus);
  }

  onEvent(kind: number, _a: number, _b: number, tS: number): void {
    if (kind !== EV_CONTROL) return;
    const e = this.e;
    // the measured arrival rate, plus the backlog cleared within one interval
    let queued = 0;
    let capRps = 0;
    e.replicas.forEach((r, i) => {
      if (!r.alive) return;
      queued += r.queued;
      if (r.accepting) capRps += i < this.baseCapRps.length ? this.baseCapRps[i] : this.capRps;
    });
    const rateRps = (e.arrived - this.lastArrived) / this.spec.controlIntervalS;
    const needRps = (rateRps + queued / this.spec.controlIntervalS) / this.spec.targetUtilization;
    this.lastArrived = e.arrived;
    for (const j of this.jobs) {
      if (capRps >= needRps) break;
      if (j.state !== 'training' || this.replicasPerJob(j) === 0) continue;
      this.lend(j, tS);
      capRps += this.replicasPerJob(j) * this.capRps;
    }
    const last = this.lentOrder[this.lentOrder.length - 1];
    const spare = last ? capRps - this.replicasPerJob(last) * this.capRps : 0;
    if (last && tS - last.suspendS >= (this.spec.minLendS ?? MIN_LEND_S) && spare >= needRps * RETURN_MARGIN)
      this.giveBack(last, tS);
    if (e.arrived < e.status.length) e.q.push(tS + this.spec.controlIntervalS, EV_CONTROL);
  }

  /** Suspend at the next checkpoint if it comes soon enough, else now; the GPUs serve replicaStartS later. */
  private lend(j: Job, tS: number): void {
    const next = nextCheckpointAfterS(j.seg, tS);
    const atS = next !== null && next - tS <= this.spec.maxCheckpointWaitS ? next : tS;
    const lostWorkS = Math.max(0, workAtS(j.seg, atS) - savedAtS(j.seg, atS));
    j.keptWorkS = savedAtS(j.seg, atS);
    j.suspendS = atS;
    j.state = 'lent';
    this.lostGpuS += lostWorkS * j.gpus;
    this.maxLostWorkS = Math.max(this.maxLostWorkS, lostWorkS);
    const n = this.replicasPerJob(j);
    j.replicas = [];
    for (let k = 0; k < n; k++) {
      const spec: TwinReplicaSpec = { ...this.spec.replica, id: `${j.id}-lent-${k}`, siteId: this.spec.siteId };
      j.replicas.push(this.e.addReplica(spec, atS, atS + this.spec.replicaStartS));
    }
    this.lentOrder.push(j);
    this.replicasLentPeak = Math.max(
      this.replicasLentPeak,
      this.lentOrder.reduce((a, x) => a + x.replicas.length, 0),
    );
    this.events.push({ tS: atS, kind: 'lend', jobId: j.id, replicas: n, lostWorkS });
  }

  /** Stop sending to the job's replicas; the job resumes once they are empty (onDrained). */
  private giveBack(j: Job, tS: number): void {
    this.lentOrder.pop();
    if (tS < j.suspendS) {
      // still waiting for its checkpoint: the job never stopped, nothing to resume
      for (const r of j.replicas) Object.assign(this.e.replicas[r], { alive: false, activeToS: j.suspendS });
      this.lostGpuS -= this.events[this.events.length - 1].lostWorkS * j.gpus;
      Object.assign(j, { state: 'training', replicas: [] });
      this.events.push({ tS, kind: 'return', jobId: j.id, replicas: 0, lostWorkS: 0 });
      return;
    }
    j.state = 'draining';
    for (const r of j.replicas) this.e.replicas[r].accepting = false;
    for (const r of j.replicas) {
      const rep = this.e.replicas[r];
      if (rep.alive && !rep.busy && rep.load === 0) this.onDrained(r, tS);
    }
  }

  onDrained(replica: number, tS: number): void {
    const rep = this.e.replicas[replica];
    if (!rep.alive) return;
    rep.alive = false;
    rep.activeToS = Math.max(rep.activeFromS, tS);
    const j = this.jobs.find((x) => x.replicas.includes(replica));
    if (!j || j.state !== 'draining' || j.replicas.some((r) => this.e.replicas[r].alive)) return;
    const backS = Math.max(tS, ...j.replicas.map((r) => this.e.replicas[r].activeToS));
    const restartS = restartParts(DEFAULT_RESTART, j.gpus, j.seg.checkpointS, 'preempt').totalS;
    this.lentGpuS += j.gpus * (backS - j.suspendS);
    this.restartGpuS += j.gpus * restartS;
    j.seg = { ...j.seg, startS: backS, startupS: restartS, baseWorkS: j.keptWorkS, savedWorkS: j.keptWorkS };
    j.state = 'training';
    j.replicas = [];
    this.events.push({ tS: backS, kind: 'return', jobId: j.id, replicas: 0, lostWorkS: 0 });
  }

  report(endS: number): LendingReport {
    let done = 0;
    let ideal = 0;
    let lentGpuS = this.lentGpuS;
    for (const j of this.jobs) {
      const work = j.state === 'training' ? workAtS(j.seg, endS) : j.keptWorkS;
      if (j.state !== 'training') lentGpuS += j.gpus * Math.max(0, endS - j.suspendS);
      done += work * j.gpus;
      ideal += workAtS(j.baseline, endS) * j.gpus;
    }
    return {
      suspensions: this.events.filter((x) => x.kind === 'lend').length,
      returns: this.events.filter((x) => x.kind === 'return').length,
      replicasLentPeak: this.replicasLentPeak,
      gpuHoursLent: lentGpuS / 3600,
      workLostGpuHours: this.lostGpuS / 3600,
      restartGpuHours: this.restartGpuS / 3600,
      maxLostWorkS: this.maxLostWorkS,
      checkpointIntervalS: Math.max(...this.spec.jobs.map((j) => j.intervalS)),
      trainingGoodput: ideal > 0 ? done / ideal : 1,
      trainingGoodputLostGpuHours: (ideal - done) / 3600,
      events: this.events,
    };
  }
}
