// A binary min-heap of timestamped events. Ties on time are broken by insertion order (a sequence
// number), so a run is deterministic whatever the heap's internal layout. Events live in parallel typed
// arrays (struct of arrays) and the heap orders slot numbers: a million-job run keeps millions of pending
// events, and as objects they would all survive into the old generation and dominate garbage collection.

export interface SimEvent {
  t: number;
  seq: number;
  kind: number;
  a: number;
  b: number;
}

export class EventQueue {
  private heap = new Int32Array(1024);
  private n = 0;
  private t = new Float64Array(1024);
  private seqOf = new Float64Array(1024);
  private kind = new Int32Array(1024);
  private a = new Float64Array(1024);
  private b = new Float64Array(1024);
  private free: number[] = [];
  private slots = 0;
  private seq = 0;

  get size(): number {
    return this.n;
  }

  push(t: number, kind: number, a = 0, b = 0): void {
    if (!(t >= 0) && t !== 0) throw new Error(`event time must be a number >= 0 (got ${t})`);
    const s = this.free.length > 0 ? this.free.pop()! : this.newSlot();
    this.t[s] = t;
    this.seqOf[s] = this.seq++;
    this.kind[s] = kind;
    this.a[s] = a;
    this.b[s] = b;
    if (this.n === this.heap.length) this.heap = grow(this.heap);
    const h = this.heap;
    let i = this.n++;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!this.before(s, h[p])) break;
      h[i] = h[p];
      i = p;
    }
    h[i] = s;
  }

  peek(): SimEvent | undefined {
    return this.n > 0 ? this.view(this.heap[0]) : undefined;
  }

  /** Time of the next event (Infinity when empty). */
  peekTime(): number {
    return this.n > 0 ? this.t[this.heap[0]] : Infinity;
  }

  pop(): SimEvent | undefined {
    if (this.n === 0) return undefined;
    return this.popInto({ t: 0, seq: 0, kind: 0, a: 0, b: 0 });
  }

  /** Pop the next event into `out` (the engine reuses one object: no allocation per event). Queue must be non-empty. */
  popInto(out: SimEvent): SimEvent {
    const h = this.heap;
    const top = h[0];
    out.t = this.t[top];
    out.seq = this.seqOf[top];
    out.kind = this.kind[top];
    out.a = this.a[top];
    out.b = this.b[top];
    this.free.push(top);
    const last = h[--this.n];
    if (this.n > 0) {
      let i = 0;
      const n = this.n;
      for (;;) {
        const l = 2 * i + 1;
        if (l >= n) break;
        const r = l + 1;
        const c = r < n && this.before(h[r], h[l]) ? r : l;
        if (this.before(last, h[c])) break;
        h[i] = h[c];
        i = c;
      }
      h[i] = last;
    }
    return out;
  }

  /** Whether slot x comes before slot y: earlier time, then earlier insertion. */
  private before(x: number, y: number): boolean {
    const tx = this.t[x];
    const ty = this.t[y];
    return tx < ty || (tx === ty && this.seqOf[x] < this.seqOf[y]);
  }

  private view(s: number): SimEvent {
    return { t: this.t[s], seq: this.seqOf[s], kind: this.kind[s], a: this.a[s], b: this.b[s] };
  }

  private newSlot(): number {
    const s = this.slots++;
    if (s === this.t.length) {
      this.t = grow(this.t);
      this.seqOf = grow(this.seqOf);
      this.kind = grow(this.kind);
      this.a = grow(this.a);
      this.b = grow(this.b);
    }
    return s;
  }
}

function grow<T extends Float64Array | Int32Array>(x: T): T {
  const y = new (x.constructor as new (n: number) => T)(x.length * 2);
  y.set(x);
  return y;
}
