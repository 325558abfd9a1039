// The job-id uniqueness check at the start of a run, without a Map of every id (issue 12 scale: a Map of 821,820
// string keys cost ~0.9 s to build, most of it the Map's own growth and scattered buckets, not the hashing).

/** FNV-1a over the UTF-16 code units, folded (only spreads ids over the table; equal hashes are compared in full). */
export function idHash(s: string): number {
  let h = 0x811c9dc5 | 0;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return h ^ (h >>> 15);
}

/**
 * The first id that occurs twice (undefined: all distinct). Open addressing over one Int32Array of (hash, index + 1)
 * pairs at a load of at most 1/2: a probe compares the stored hash first, the strings only when the hashes match.
 */
export function firstDuplicateId(ids: (i: number) => string, n: number): string | undefined {
  let slots = 2;
  while (slots < 2 * n) slots *= 2;
  const mask = slots - 1;
  const table = new Int32Array(2 * slots); // [hash, index + 1] per slot; index + 1 = 0 marks an empty slot
  for (let i = 0; i < n; i++) {
    const id = ids(i);
    const h = idHash(id);
    for (let k = h & mask; ; k = (k + 1) & mask) {
      const at = table[2 * k + 1];
      if (at === 0) {
        table[2 * k] = h;
        table[2 * k + 1] = i + 1;
        break;
      }
      if (table[2 * k] === h && ids(at - 1) === id) return id;
    }
  }
  return undefined;
}
