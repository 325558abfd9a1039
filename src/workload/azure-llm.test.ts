import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseAzureLlmTrace, parseRequestTrace, scaleTrace } from './azure-llm.js';

const HEAD = 'TIMESTAMP,ContextTokens,GeneratedTokens\n';

describe('azure-llm trace', () => {
  it('reads the shipped conversation trace: 19,366 requests over about an hour, sorted, from 0', () => {
    const text = readFileSync(new URL('../../data/traces/azure-llm-2023-conv.csv', import.meta.url), 'utf8');
    const r = parseAzureLlmTrace(text, 'conv.csv');
    expect(r.issues).toEqual([]);
    const t = r.trace!;
    expect(t.arrivalS.length).toBe(19366);
    expect(t.arrivalS[0]).toBe(0);
    expect(t.spanS).toBeGreaterThan(3400);
    expect(t.spanS).toBeLessThan(3600);
    for (let i = 1; i < t.arrivalS.length; i++) expect(t.arrivalS[i] >= t.arrivalS[i - 1]).toBe(true);
    expect(t.promptTokens[0]).toBe(374);
    expect(t.outputTokens[0]).toBe(44);
    expect(new Date(t.startEpochS * 1000).toISOString()).toBe('2023-11-16T18:15:46.680Z');
  });

  it('keeps sub-second times and sorts an unsorted file', () => {
    const r = parseAzureLlmTrace(HEAD + '2023-11-16 18:00:01.5000000,10,2\n2023-11-16 18:00:00.2500000,20,3\n');
    expect(Array.from(r.trace!.arrivalS)).toEqual([0, 1.25]);
    expect(Array.from(r.trace!.promptTokens)).toEqual([20, 10]);
  });

  it('names a missing column', () => {
    const r = parseAzureLlmTrace('TIMESTAMP,ContextTokens\n2023-11-16 18:00:00,1\n', 'x.csv');
    expect(r.trace).toBeNull();
    expect(r.issues[0].path).toBe('x.csv:1: GeneratedTokens');
    expect(r.issues[0].message).toContain('not found');
  });

  it('names the line and column of a bad value', () => {
    const r = parseAzureLlmTrace(HEAD + '2023-11-16 18:00:00,5,1\n2023-11-16 18:00:01,-3,1\nnot-a-time,1,1\n', 'x.csv');
    expect(r.issues.map((i) => i.path)).toEqual(['x.csv:3: ContextTokens', 'x.csv:4: TIMESTAMP']);
  });

  it('rejects an unknown format and an empty trace', () => {
    expect(parseRequestTrace('philly', HEAD).issues[0].path).toBe('--trace-format');
    expect(parseRequestTrace('azure-llm', HEAD).issues[0].message).toContain('no requests');
  });

  it('scales the rate and tiles copies', () => {
    const base = parseAzureLlmTrace(HEAD + '2023-11-16 18:00:00,5,1\n2023-11-16 18:00:10,6,2\n').trace!;
    const s = scaleTrace(base, 2, 3).trace!;
    // span 10 s, gap 10 s -> period 20 s at rate 1, 10 s at rate x2
    expect(Array.from(s.arrivalS)).toEqual([0, 5, 10, 15, 20, 25]);
    expect(Array.from(s.promptTokens)).toEqual([5, 6, 5, 6, 5, 6]);
    expect(scaleTrace(base, -1).issues[0].path).toBe('--rate-scale');
    expect(scaleTrace(base, 1, 0).issues[0].path).toBe('--repeat');
  });
});
