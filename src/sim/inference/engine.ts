// The inference twin's event loop (issue 15). Requests arrive from the trace (already sorted, so they are merged
// with the event heap instead of sitting in it), each from a user region drawn by the regions' shares from a seeded
// stream, and are routed to the healthy replica with the lowest estimated latency (RTT + queue + prefill) among
// those whose decode step is within the TPOT SLO; they reach it half an RTT later. Replicas batch continuously (replica.ts), one event per iteration.
// A site loss kills its replicas and re-routes everything on them. Pure: no clock, no random but the seeded stream.
import { Rng } from '../../core/rng.js';
import { HourlyIntegral } from '../grid.js';
import { ReplicaState, type IterationSink, type RequestTable } from './replica.js';
import { Heap } from './heap.js';
import { validateInputs } from './validate.js';
import { REQ_DONE, REQ_FAILED, type InferenceTwinInputs, type TwinReplicaSpec } from './types.js';

export const EV_ITER = 0;
export const EV_ENQUEUE = 1;
export const EV_SITE_FAIL = 2;
export const EV_CONTROL = 3;
export const EV_LEND_READY = 4;

/** What the lending policy (lending.ts) hooks into; the engine calls it and nothing else of it. */
export interface EngineHooks {
  onEvent(kind: number, a: number, b: number, tS: number): void;
  onDrained(replica: number, tS: number): void;
}

export class InferenceEngine implements IterationSink {
  readonly q = new Heap();
  readonly reqs: RequestTable;
  readonly replicas: ReplicaState[] = [];
  readonly siteIndex = new Map<string, number>();
  readonly carbon: HourlyIntegral[];
  readonly siteDown: boolean[];
  /** RTT in seconds, [region x sites + site]. */
  readonly rttS: Float64Array;
  /** Per region: replica indices by RTT, nearest first. */
  readonly order: number[][];
  readonly regionOf: Int32Array;
  readonly replicaOf: Int32Array;
  readonly sendS: Float64Array;
  readonly firstTokenS: Float64Array;
  readonly finishS: Float64Array;
  readonly status: Uint8Array;
  readonly retried: Uint8Array;
  readonly failReason: Uint8Array;
  readonly failReasons: string[] = ['', 'no healthy replica', 'needs more KV cache than any healthy replica holds'];
  arrived = 0;
  settled = 0;
  events = 0;
  nowS = 0;
  /** End time of the iteration being closed (read by firstToken/finished). */
  private iterEndS = 0;
  hooks: EngineHooks | null = null;
  private readonly nSites: number;
  private readonly sloTpotS: number;

  constructor(readonly inp: InferenceTwinInputs) {
    validateInputs(inp);
    const n = inp.trace.arrivalS.length;
    inp.sites.forEach((s, i) => this.siteIndex.set(s.id, i));
    this.nSites = inp.sites.length;
    this.carbon = inp.sites.map((s) => new HourlyIntegral(inp.grid[s.gridZone].carbonGPerKWh, inp.gridOffsetS));
    this.siteDown = inp.sites.map(() => false);
    this.rttS = new Float64Array(inp.regions.length * this.nSites);
    inp.regions.forEach((g, gi) =>
      inp.sites.forEach((s, si) => (this.rttS[gi * this.nSites + si] = g.rttMsBySite[s.id] / 1000)),
    );
    this.order = inp.regions.map(() => []);
    this.reqs = {
      prompt: inp.trace.promptTokens,
      output: inp.trace.outputTokens,
      prefilled: new Int32Array(n),
      enqueuedS: new Float64Array(n),
    };
    this.regionOf = new Int32Array(n);
    this.replicaOf = new Int32Array(n).fill(-1);
    this.sendS = new Float64Array(n);
    this.firstTokenS = new Float64Array(n).fill(NaN);
    this.finishS = new Float64Array(n).fill(NaN);
    this.status = new Uint8Array(n);
    this.retried = new Uint8Array(n);
    this.failReason = new Uint8Array(n);
    this.sloTpotS = inp.slo.tpotP99Ms / 1000;
    this.drawRegions(new Rng(inp.seed).fork('inference-regions'));
    for (const spec of inp.replicas) this.addReplica(spec, 0);
    (inp.failures ?? []).forEach((f, i) => this.q.push(f.atS, EV_SITE_FAIL, i));
  }

  /** Each request's user region, drawn by the shares (one draw per request, in trace order). */
  private drawRegions(rng: Rng): void {
    const shares = this.inp.regions.map((g) => g.share);
    const total = shares.reduce((a, b) => a + b, 0);
    const cum = new Float64Array(shares.length);
    shares.reduce((acc, s, i) => (cum[i] = acc + s / total), 0);
    cum[cum.length - 1] = 1;
    for (let i = 0; i < this.regionOf.length; i++) {
      const x = rng.next();
      let g = 0;
      while (x >= cum[g]) g++;
      this.regionOf[i] = g;
    }
  }

  /** A replica joins (at 0, or when lent later); every region's nearest-first order takes it in. */
  addReplica(spec: TwinReplicaSpec, activeFromS: number, servingFromS = activeFromS): number {
    const idx = this.replicas.length;
    const site = this.siteIndex.get(spec.siteId)!;
    this.replicas.push(new ReplicaState(idx, site, spec, activeFromS, Infinity, servingFromS));
    this.order.forEach((list, g) => {
      list.push(idx);
      list.sort((x, y) => this.rtt(g, this.replicas[x].siteIndex) - this.rtt(g, this.replicas[y].siteIndex) || x - y);
    });
    return idx;
  }

  rtt(region: number, site: number): number {
    return this.rttS[region * this.nSites + site];
  }

  /**
   * Send a request (first time or retry) from its region at tS to the healthy replica with the lowest estimated
   * TTFT (RTT + queue + prefill), preferring replicas whose decode step is within the TPOT SLO; it reaches the
   * replica half an RTT later. Replicas are scanned nearest first and the scan stops once the RTT plus the
   * prefill alone cannot beat the best estimate (exact: the estimate never goes below them).
   */
  route(req: number, tS: number): void {
    const g = this.regionOf[req];
    const prompt = this.reqs.prompt[req];
    const need = prompt + this.reqs.output[req];
    let best = -1;
    let bestS = Infinity;
    let bestOk = false;
    let anyHealthy = false;
    for (const r of this.order[g]) {
      const rep = this.replicas[r];
      if (!rep.alive || !rep.accepting || tS < rep.servingFromS) continue;
      anyHealthy = true;
      if (need > rep.kvCapacityTokens) continue;
      const floorS = this.rtt(g, rep.siteIndex) + rep.prefillS(prompt);
      if (bestOk && floorS >= bestS) break;
      const ok = rep.lastDecodeS <= this.sloTpotS;
      const estS = floorS + rep.estimateWaitS(this.reqs, tS, need);
      if ((ok && !bestOk) || (ok === bestOk && estS < bestS)) {
        best = r;
        bestS = estS;
        bestOk = ok;
      }
    }
    if (best < 0) return this.fail(req, anyHealthy ? 2 : 1);
    this.replicaOf[req] = best;
    this.q.push(tS + this.rtt(g, this.replicas[best].siteIndex) / 2, EV_ENQUEUE, best, req);
  }

  private fail(req: number, reason: number): void {
    this.status[req] = REQ_FAILED;
    this.failReason[req] = reason;
    this.settled++;
  }

  private onEnqueue(r: number, req: number, tS: number): void {
    const rep = this.replicas[r];
    if (!rep.alive) {
      this.retried[req] = 1; // sent to a replica that died on the way: the router resends it
      return this.route(req, tS);
    }
    rep.enqueue(this.reqs, req, tS);
    if (!rep.busy) this.kick(rep, tS);
  }

  private kick(rep: ReplicaState, tS: number): void {
    const iterS = rep.startIteration(this.reqs, tS);
    if (iterS > 0) this.q.push(tS + iterS, EV_ITER, rep.index, rep.epoch);
  }

  private onIteration(r: number, epoch: number, tS: number): void {
    const rep = this.replicas[r];
    if (!rep.alive || epoch !== rep.epoch) return;
    rep.busyS += tS - rep.iterStartS;
    rep.busyCarbonGs += this.carbon[rep.siteIndex].integrate(rep.iterStartS, tS);
    this.iterEndS = tS;
    rep.endIteration(this.reqs, this);
    this.kick(rep, tS);
    if (!rep.accepting && !rep.busy && rep.load === 0) this.hooks?.onDrained(r, tS);
  }

  /** A site is lost: its replicas stop (drawing nothing from now) and every request on them is sent again. */
  /** IterationSink: the user sees the first token half an RTT after the replica emits it (at the iteration's end). */
  firstToken(req: number, rep: ReplicaState): void {
    if (Number.isNaN(this.firstTokenS[req]))
      this.firstTokenS[req] = this.iterEndS + this.rtt(this.regionOf[req], rep.siteIndex) / 2;
  }

  finished(req: number, rep: ReplicaState): void {
    this.finishS[req] = this.iterEndS + this.rtt(this.regionOf[req], rep.siteIndex) / 2;
    this.status[req] = REQ_DONE;
    this.settled++;
  }

  private onSiteFailure(f: number, tS: number): void {
    const site = this.siteIndex.get(this.inp.failures![f].siteId)!;
    this.siteDown[site] = true;
    for (const rep of this.replicas) {
      if (rep.siteIndex !== site || !rep.alive) continue;
      if (rep.busy) {
        rep.busyS += tS - rep.iterStartS;
        rep.busyCarbonGs += this.carbon[site].integrate(rep.iterStartS, tS);
      }
      rep.alive = false;
      rep.epoch++;
      rep.activeToS = Math.min(rep.activeToS, tS);
      for (const req of rep.evacuate()) {
        this.retried[req] = 1;
        this.route(req, tS);
      }
    }
  }

  /** Run to the end: every request finishes or fails. */
  run(): void {
    const at = this.inp.trace.arrivalS;
    const n = at.length;
    const progressEvery = 1 << 16;
    const q = this.q;
    for (;;) {
      if (this.arrived < n && (q.size === 0 || at[this.arrived] <= q.topT)) {
        const req = this.arrived++;
        this.nowS = at[req];
        this.sendS[req] = at[req];
        this.route(req, at[req]);
      } else if (q.size > 0) {
        const t = q.topT;
        const kind = q.topKind;
        const a = q.topA;
        const b = q.topB;
        q.pop();
        this.nowS = t;
        this.dispatch(kind, a, b, t);
      } else break;
      if (++this.events % progressEvery === 0) this.inp.onProgress?.(this.settled / n);
    }
  }

  private dispatch(kind: number, a: number, b: number, tS: number): void {
    if (kind === EV_ITER) this.onIteration(a, b, tS);
    else if (kind === EV_ENQUEUE) this.onEnqueue(a, b, tS);
    else if (kind === EV_SITE_FAIL) this.onSiteFailure(a, tS);
    else this.hooks?.onEvent(kind, a, b, tS);
  }
}
