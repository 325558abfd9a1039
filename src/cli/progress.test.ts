import { describe, expect, it } from 'vitest';
import { etaText, formatDuration, progressBar } from './progress.js';

function clocked(force: boolean) {
  let t = 0;
  const out: string[] = [];
  const bar = progressBar('simulating', { force, now: () => t, write: (s) => out.push(s), plainEveryMs: 10_000 });
  return { bar, out, at: (ms: number) => (t = ms) };
}

describe('progressBar', () => {
  it('off a terminal: quiet for short work, then a plain line every 10 s with elapsed time and ETA', () => {
    const { bar, out, at } = clocked(false);
    at(5_000);
    bar.update(0.1);
    expect(out).toEqual([]);
    at(10_000);
    bar.update(0.25, '2 of 8 days');
    at(15_000);
    bar.update(0.4); // under 10 s since the last line
    at(20_000);
    bar.update(0.5);
    at(21_000);
    bar.done();
    expect(out).toEqual([
      'simulating: 25% 2 of 8 days, 10 s elapsed, ETA 30 s\n',
      'simulating: 50% 20 s elapsed, ETA 20 s\n',
      'simulating: done in 21.0 s\n',
    ]);
  });

  it('off a terminal, work under 10 s prints nothing at all', () => {
    const { bar, out, at } = clocked(false);
    at(9_000);
    bar.update(0.9);
    bar.done();
    expect(out).toEqual([]);
  });

  it('off a terminal, a shorter cadence also brings the first line sooner (SUPERFACTORY_PROGRESS_EVERY_MS)', () => {
    let t = 0;
    const out: string[] = [];
    const bar = progressBar('simulating', { force: false, now: () => t, write: (s) => out.push(s), plainEveryMs: 20 });
    t = 10;
    bar.update(0.01);
    expect(out).toEqual([]);
    t = 25;
    bar.update(0.5);
    bar.done();
    expect(out).toEqual(['simulating: 50% 0 s elapsed, ETA 0 s\n', 'simulating: done in 0.0 s\n']);
  });

  it('on a terminal: redraws in place with an ETA after the delay', () => {
    const { bar, out, at } = clocked(true);
    at(500);
    bar.update(0.1);
    expect(out).toEqual([]);
    at(2_000);
    bar.update(0.2);
    expect(out).toHaveLength(1);
    expect(out[0]).toMatch(/^\rsimulating \[#{6}-{24}\] {2}20% {2}ETA 8 s\s*$/);
    bar.done();
    expect(out[1]).toMatch(/^\rsimulating \[#{30}\] 100% 2\.0 s\s*\n$/);
  });
});

describe('ETA and durations', () => {
  it('extrapolates the time left from the rate so far', () => {
    expect(etaText(30_000, 0.5)).toBe('ETA 30 s');
    expect(etaText(60_000, 0.25)).toBe('ETA 3m 00s');
    expect(etaText(1_000, 0.001)).toBe(''); // too little done to tell
    expect(etaText(1_000, 1)).toBe('');
  });
  it('formats seconds, minutes and hours', () => {
    expect(formatDuration(4_400)).toBe('4 s');
    expect(formatDuration(185_000)).toBe('3m 05s');
    expect(formatDuration(7_800_000)).toBe('2h 10m');
  });
});
