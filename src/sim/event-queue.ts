// A binary min-heap of timestamped events. Ties on time are broken by insertion order (a sequence
// number), so a run is deterministic whatever the heap's internal layout.

export interface SimEvent {
  t: number;
  seq: number;
  kind: number;
  a: number;
  b: number;
}

export class EventQueue {
  private heap: SimEvent[] = [];
  private seq = 0;

  get size(): number {
    return this.heap.length;
  }

  push(t: number, kind: number, a = 0, b = 0): void {
    if (!(t >= 0) && t !== 0) throw new Error(`event time must be a number >= 0 (got ${t})`);
    const e: SimEvent = { t, seq: this.seq++, kind, a, b };
    const h = this.heap;
    h.push(e);
    let i = h.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      const q = h[p];
      if (q.t < e.t || (q.t === e.t && q.seq < e.seq)) break;
      h[i] = q;
      i = p;
    }
    h[i] = e;
  }

  peek(): SimEvent | undefined {
    return this.heap[0];
  }

  pop(): SimEvent | undefined {
    const h = this.heap;
    const top = h[0];
    if (top === undefined) return undefined;
    const last = h.pop()!;
    if (h.length > 0) {
      let i = 0;
      const n = h.length;
      for (;;) {
        const l = 2 * i + 1;
        if (l >= n) break;
        const r = l + 1;
        let c = l;
        if (r < n && (h[r].t < h[l].t || (h[r].t === h[l].t && h[r].seq < h[l].seq))) c = r;
        const x = h[c];
        if (last.t < x.t || (last.t === x.t && last.seq < x.seq)) break;
        h[i] = x;
        i = c;
      }
      h[i] = last;
    }
    return top;
  }
}
