// Log pages never cut a UTF-8 character, and pages joined are the log byte for byte.
import { describe, expect, it } from 'vitest';
import { logPage } from './job-logs.js';

describe('logPage', () => {
  const text = 'ascii é€ 😀 end\n'.repeat(50); // 1-, 2-, 3- and 4-byte characters
  const buf = Buffer.from(text, 'utf8');

  it('pages of every size join into the whole log, each one valid UTF-8', () => {
    for (const limit of [1, 2, 3, 5, 7, 64, 1000]) {
      const parts: Buffer[] = [];
      let offset = 0;
      for (let i = 0; offset < buf.length; i++) {
        const { start, end } = logPage(buf, offset, limit);
        expect(start).toBe(offset);
        expect(end, 'a page must move the reader on').toBeGreaterThan(start);
        expect(end - start).toBeLessThanOrEqual(Math.max(limit, 4)); // one 4-byte character at most past a tiny limit
        const next = end;
        const page = buf.subarray(start, next);
        expect(Buffer.from(page.toString('utf8'), 'utf8').equals(page), `limit ${limit} page ${i}`).toBe(true);
        parts.push(page);
        offset = next;
      }
      expect(Buffer.concat(parts).equals(buf)).toBe(true);
    }
  });

  it('without an offset: the last limit bytes, starting on a character; an offset past the end: empty', () => {
    const { start, end } = logPage(buf, undefined, 100);
    expect(end).toBe(buf.length);
    expect(end - start).toBeLessThanOrEqual(100);
    expect(end - start).toBeGreaterThanOrEqual(97);
    expect((buf[start] & 0xc0) === 0x80).toBe(false);
    expect(logPage(buf, buf.length + 10, 100)).toEqual({ start: buf.length, end: buf.length });
    expect(logPage(Buffer.alloc(0), undefined, 100)).toEqual({ start: 0, end: 0 });
  });
});
