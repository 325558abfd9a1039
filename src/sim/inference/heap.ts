// A binary min-heap of (time, kind, a, b) in parallel typed arrays with ties broken by insertion order, like
// src/sim/event-queue.ts, but read through accessors instead of returning an object per peek/pop: the inference twin
// pops tens of millions of entries (iterations and sequence finishes) and the allocations dominated its run time.
export class Heap {
  private t = new Float64Array(256);
  private seq = new Float64Array(256);
  private kind = new Int32Array(256);
  private a = new Float64Array(256);
  private b = new Float64Array(256);
  private n = 0;
  private next = 0;

  get size(): number {
    return this.n;
  }
  /** Top entry's fields (undefined behaviour when empty: check size first). */
  get topT(): number {
    return this.t[0];
  }
  get topKind(): number {
    return this.kind[0];
  }
  get topA(): number {
    return this.a[0];
  }
  get topB(): number {
    return this.b[0];
  }

  push(t: number, kind = 0, a = 0, b = 0): void {
    if (this.n === this.t.length) this.grow();
    const s = this.next++;
    let i = this.n++;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (this.t[p] < t || (this.t[p] === t && this.seq[p] < s)) break;
      this.move(p, i);
      i = p;
    }
    this.set(i, t, s, kind, a, b);
  }

  pop(): void {
    const n = --this.n;
    if (n <= 0) return;
    const t = this.t[n];
    const s = this.seq[n];
    const kind = this.kind[n];
    const a = this.a[n];
    const b = this.b[n];
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      const c = r < n && this.less(r, l) ? r : l;
      if (t < this.t[c] || (t === this.t[c] && s < this.seq[c])) break;
      this.move(c, i);
      i = c;
    }
    this.set(i, t, s, kind, a, b);
  }

  clear(): void {
    this.n = 0;
  }

  private less(x: number, y: number): boolean {
    return this.t[x] < this.t[y] || (this.t[x] === this.t[y] && this.seq[x] < this.seq[y]);
  }
  private move(from: number, to: number): void {
    this.t[to] = this.t[from];
    this.seq[to] = this.seq[from];
    this.kind[to] = this.kind[from];
    this.a[to] = this.a[from];
    this.b[to] = this.b[from];
  }
  private set(i: number, t: number, s: number, kind: number, a: number, b: number): void {
    this.t[i] = t;
    this.seq[i] = s;
    this.kind[i] = kind;
    this.a[i] = a;
    this.b[i] = b;
  }
  private grow(): void {
    const g = <T extends Float64Array | Int32Array>(x: T): T => {
      const y = new (x.constructor as new (n: number) => T)(x.length * 2);
      y.set(x);
      return y;
    };
    this.t = g(this.t);
    this.seq = g(this.seq);
    this.kind = g(this.kind);
    this.a = g(this.a);
    this.b = g(this.b);
  }
}
