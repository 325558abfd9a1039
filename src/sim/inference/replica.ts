// One serving replica under continuous batching (Orca/vLLM style, iteration level): each iteration decodes one token
// for every running sequence and prefills admitted prompts in chunks up to a token budget (the plan's maxPrefillTokens,
// else the serving model's default; whole prompts when neither is set). A request
// is admitted first come first served while the batch has room and its whole KV footprint (prompt + output tokens)
// fits the free cache: ASSUMPTION, reserving up front instead of vLLM's paging with preemption, so no sequence is
// ever evicted. One event per iteration, none per token: a sequence's last iteration is known when it joins.
import { Heap } from './heap.js';
import { timingCache, type TimingCache } from './timing-cache.js';
import type { TwinReplicaSpec } from './types.js';

/** Per-request state the replicas share (typed arrays indexed by request). */
export interface RequestTable {
  prompt: Int32Array;
  output: Int32Array;
  /** Tokens of the prompt prefilled so far on the current replica. */
  prefilled: Int32Array;
  /** When the request joined its replica's queue, s. */
  enqueuedS: Float64Array;
}

/** What a replica reports at the end of an iteration (the engine; methods, so no closure per iteration). */
export interface IterationSink {
  firstToken(req: number, rep: ReplicaState): void;
  finished(req: number, rep: ReplicaState): void;
}

export class ReplicaState {
  alive = true;
  /** Bumped when the replica dies, so its pending iteration event is ignored. */
  epoch = 0;
  /** False while a lent replica drains before going back to training. */
  accepting = true;
  busy = false;
  iterStartS = 0;
  iterEndS = 0;
  iterations = 0;
  /** Waiting requests (FIFO from head). */
  waiting: number[] = [];
  head = 0;
  waitingPromptTokens = 0;
  /** Admitted requests whose prompt is not fully prefilled, in admission order. */
  prefilling: number[] = [];
  prefillPendingTokens = 0;
  /** This iteration's prefill chunks (request, tokens) and its decode batch at the start. */
  chunkReq = new Int32Array(64);
  chunkTok = new Int32Array(64);
  chunks = 0;
  decodeAtStart = 0;
  /** Decoding sequences: key = the iteration count after which each emits its last token. */
  finishes = new Heap();
  contextTokens = 0;
  /** Decode step of the latest iteration that decoded (the router's TPOT check and drain estimate), s. */
  lastDecodeS = 0;
  /** Output tokens of decoding sequences (for the router's drain estimate). */
  decodeOutputTokens = 0;
  kvUsedTokens = 0;
  busyS = 0;
  /** GPU-seconds weighted by grid intensity while busy (g/kWh x s), for carbon. */
  busyCarbonGs = 0;
  readonly cache: TimingCache;

  constructor(
    readonly index: number,
    readonly siteIndex: number,
    readonly spec: TwinReplicaSpec,
    /** When the replica starts serving (lent replicas later than 0), s. */
    public activeFromS = 0,
    public activeToS = Infinity,
    /** When it takes requests (a lent replica loads weights first), s. */
    public servingFromS = activeFromS,
  ) {
    this.cache = timingCache(spec.timings);
  }

  get kvCapacityTokens(): number {
    return this.spec.timings.kvCapacityTokens;
  }

  get queued(): number {
    return this.waiting.length - this.head;
  }

  /** Requests on this replica (waiting, prefilling, decoding). */
  get load(): number {
    return this.queued + this.prefilling.length + this.finishes.size;
  }

  prefillS(tokens: number): number {
    return this.cache.prefillS(tokens);
  }

  enqueue(reqs: RequestTable, req: number, tS: number): void {
    reqs.enqueuedS[req] = tS;
    this.waiting.push(req);
    this.waitingPromptTokens += reqs.prompt[req];
  }

  /**
   * Admit waiting requests (FCFS) while the batch and the KV cache allow, then pick this iteration's prefill
   * chunks; returns the iteration's seconds, or 0 when there is nothing to do (the replica goes idle).
   */
  startIteration(reqs: RequestTable, tS: number): number {
    const maxBatch = this.spec.maxBatch;
    while (this.head < this.waiting.length && this.prefilling.length + this.finishes.size < maxBatch) {
      const r = this.waiting[this.head];
      const need = reqs.prompt[r] + reqs.output[r];
      if (this.kvUsedTokens + need > this.kvCapacityTokens) break; // head of line waits for the cache
      this.head++;
      this.waitingPromptTokens -= reqs.prompt[r];
      this.kvUsedTokens += need;
      reqs.prefilled[r] = 0;
      this.prefilling.push(r);
      this.prefillPendingTokens += reqs.prompt[r];
    }
    if (this.head > 1024 && this.head * 2 > this.waiting.length) {
      this.waiting = this.waiting.slice(this.head);
      this.head = 0;
    }
    this.chunks = 0;
    // the plan's chunk, else the serving model's default budget (vLLM's max_num_batched_tokens), else whole prompts
    let budget = this.spec.maxPrefillTokens ?? this.spec.timings.maxPrefillTokens ?? Infinity;
    let chunk = 0;
    let promptWeighted = 0;
    for (let i = 0; i < this.prefilling.length && budget > 0; i++) {
      const r = this.prefilling[i];
      const take = Math.min(reqs.prompt[r] - reqs.prefilled[r], budget);
      if (this.chunks === this.chunkReq.length) this.growChunks();
      this.chunkReq[this.chunks] = r;
      this.chunkTok[this.chunks++] = take;
      budget -= take;
      chunk += take;
      promptWeighted += take * reqs.prompt[r];
    }
    const d = this.finishes.size;
    this.decodeAtStart = d;
    const decodeS = d > 0 ? this.cache.decodeS(d, this.contextTokens) : 0;
    if (d > 0) this.lastDecodeS = decodeS;
    const iterS = chunk > 0 ? this.mixedS(d, decodeS, chunk, promptWeighted / chunk) : decodeS;
    if (!(iterS > 0)) {
      this.busy = false;
      return 0;
    }
    this.busy = true;
    this.iterStartS = tS;
    this.iterEndS = tS + iterS;
    return iterS;
  }

  /**
   * End of an iteration: every decoding sequence gained a token; sequences past their last token finish
   * (`sink.finished`), prompts fully prefilled emit their first token (`sink.firstToken`) and join the decode batch.
   */
  endIteration(reqs: RequestTable, sink: IterationSink): void {
    this.iterations++;
    this.contextTokens += this.decodeAtStart;
    const f = this.finishes;
    while (f.size > 0 && f.topT <= this.iterations) {
      const r = f.topA;
      f.pop();
      this.release(reqs, r);
      sink.finished(r, this);
    }
    let finishedPrefills = 0;
    for (let i = 0; i < this.chunks; i++) {
      const r = this.chunkReq[i];
      reqs.prefilled[r] += this.chunkTok[i];
      this.prefillPendingTokens -= this.chunkTok[i];
      if (reqs.prefilled[r] < reqs.prompt[r]) continue;
      finishedPrefills++;
      sink.firstToken(r, this);
      if (reqs.output[r] <= 1) {
        this.kvUsedTokens -= reqs.prompt[r] + reqs.output[r];
        sink.finished(r, this);
        continue;
      }
      f.push(this.iterations + reqs.output[r] - 1, 0, r);
      this.contextTokens += reqs.prompt[r] + 1;
      this.decodeOutputTokens += reqs.output[r];
    }
    // chunks are taken from the front, so the finished prefills are the first ones
    if (finishedPrefills > 0) this.prefilling.splice(0, finishedPrefills);
  }

  /**
   * An iteration that prefills `chunk` tokens (of prompts `promptTokens` long on average, by tokens) beside `d`
   * decoding sequences: the serving model's fused mixed iteration when it has one (weights stream once for both),
   * else decode + prefill; disaggregated replicas run the phases on separate GPUs, so the longer one.
   */
  private mixedS(d: number, decodeS: number, chunk: number, promptTokens: number): number {
    const t = this.spec.timings;
    if (this.spec.disaggregated) return Math.max(decodeS, this.prefillS(chunk));
    if (t.iterationSeconds) return t.iterationSeconds(d, this.contextTokens, chunk, Math.round(promptTokens));
    return decodeS + this.prefillS(chunk);
  }

  private growChunks(): void {
    const r = new Int32Array(this.chunkReq.length * 2);
    const t = new Int32Array(this.chunkReq.length * 2);
    r.set(this.chunkReq);
    t.set(this.chunkTok);
    this.chunkReq = r;
    this.chunkTok = t;
  }

  private release(reqs: RequestTable, r: number): void {
    this.kvUsedTokens -= reqs.prompt[r] + reqs.output[r];
    this.contextTokens -= reqs.prompt[r] + reqs.output[r];
    this.decodeOutputTokens -= reqs.output[r];
  }

  /** Every request on the replica (waiting, prefilling, decoding), emptying it: a lost site's retries. */
  evacuate(): number[] {
    const out = this.waiting.slice(this.head);
    out.push(...this.prefilling);
    for (; this.finishes.size > 0; this.finishes.pop()) out.push(this.finishes.topA);
    this.waiting = [];
    this.head = 0;
    this.prefilling = [];
    this.chunks = 0;
    this.waitingPromptTokens = 0;
    this.prefillPendingTokens = 0;
    this.contextTokens = 0;
    this.decodeOutputTokens = 0;
    this.kvUsedTokens = 0;
    this.busy = false;
    return out;
  }

  /**
   * Router's estimate of the wait before a new prompt's prefill starts, s: the current iteration and the prompts
   * queued ahead;
   * when the batch or the KV cache is full, the time for enough running sequences to finish (each assumed half way
   * through its output); and never less than the oldest waiting request has already waited. Arithmetic on the
   * state only (the decode step is the current iteration's), since it runs for many replicas per request. An
   * estimate for routing only; the simulated TTFT is what is reported.
   */
  estimateWaitS(reqs: RequestTable, tS: number, needTokens: number): number {
    let w = this.busy ? Math.max(0, this.iterEndS - tS) : 0;
    w += this.prefillS(this.waitingPromptTokens + this.prefillPendingTokens);
    const d = this.finishes.size;
    if (d > 0) {
      const stepS = this.lastDecodeS;
      w += stepS; // the decode step the prefill shares an iteration with
      const slotS = (stepS * this.decodeOutputTokens) / d / 2 / d; // one of d sequences finishes this often
      const overBatch = this.load + 1 - this.spec.maxBatch;
      const waitingKv = this.waitingPromptTokens * 2; // ASSUMPTION for the estimate: outputs as long as prompts
      const overKv = this.kvUsedTokens + waitingKv + needTokens - this.kvCapacityTokens;
      const kvSlots = overKv > 0 ? Math.ceil((overKv * d) / Math.max(1, this.kvUsedTokens)) : 0;
      w += Math.max(0, overBatch, kvSlots) * slotS;
    }
    if (this.queued > 0) w = Math.max(w, tS - reqs.enqueuedS[this.waiting[this.head]]);
    return w;
  }
}
