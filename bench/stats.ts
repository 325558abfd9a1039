// Small helpers for benchmarks: median of repeated timed runs.
export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** Runs `body` repeatedly for about `seconds`, `runs` times, and returns the median operations per second. */
export function opsPerSecond(body: () => number, runs = 5, seconds = 1): number {
  const rates: number[] = [];
  for (let r = 0; r < runs; r++) {
    const start = performance.now();
    let ops = 0;
    while (performance.now() - start < seconds * 1000) ops += body();
    rates.push(ops / ((performance.now() - start) / 1000));
  }
  return median(rates);
}
