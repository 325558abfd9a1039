import { z } from 'zod';
import { describe, expect, it } from 'vitest';
import { formatIssue, formatPath, InputIssuesError, issuesOf, prefixPath, zodIssues } from './issues.js';

const Schema = z
  .object({
    name: z.string().min(1),
    sites: z.array(z.object({ id: z.string(), gpus: z.number().int().positive() })).min(1),
    mode: z.enum(['a', 'b']).optional(),
  })
  .strict();

function errorOf(input: unknown, reportInput = false): z.ZodError {
  const r = Schema.safeParse(input, { reportInput });
  if (r.success) throw new Error('expected a parse error');
  return r.error;
}

describe('paths', () => {
  it('reads like code', () => {
    expect(formatPath(['sites', 1, 'pods', 0, 'system'])).toBe('sites[1].pods[0].system');
    expect(formatPath([])).toBe('(root)');
    expect(formatPath([], '(body)')).toBe('(body)');
  });

  it('joins a prefix as a field, or puts a file/flag prefix in front as it is', () => {
    expect(prefixPath('jobs', [3, 'gpus'])).toBe('jobs[3].gpus');
    expect(prefixPath('model', ['layers'])).toBe('model.layers');
    expect(prefixPath('model', [])).toBe('model');
    expect(prefixPath('a.yaml: ', ['sites', 0])).toBe('a.yaml: sites[0]');
    expect(prefixPath('a.yaml: ', [])).toBe('a.yaml: (root)');
    expect(prefixPath('--synthetic ', ['jobs'])).toBe('--synthetic jobs');
    expect(prefixPath(undefined, ['x'])).toBe('x');
  });
});

describe('zodIssues', () => {
  it('keeps zod messages by default, with field hints looked up from the deepest field up', () => {
    const issues = zodIssues(errorOf({ name: 'x', sites: [{ id: 'a', gpus: 0 }] }), {
      hints: { sites: 'list sites', gpus: 'a whole number' },
      defaultHint: 'see the docs',
    });
    expect(issues).toHaveLength(1);
    expect(issues[0].path).toBe('sites[0].gpus');
    expect(issues[0].hint).toBe('a whole number');
    expect(issues[0].message).toMatch(/>\s*0|greater than 0/i);
    const up = zodIssues(errorOf({ name: 'x', sites: [{ id: 3, gpus: 1 }] }), { hints: { sites: 'list sites' } });
    expect(up[0].hint).toBe('list sites');
  });

  it('takes a path prefix as its second argument', () => {
    const issues = zodIssues(errorOf({ name: '', sites: [] }), 'body');
    expect(issues.map((i) => i.path).sort()).toEqual(['body.name', 'body.sites']);
    for (const i of issues) expect(i.hint.length).toBeGreaterThan(0);
  });

  it('accepts a hint function (e.g. keyed by the top-level field)', () => {
    const issues = zodIssues(errorOf({ name: 'x', sites: [{ id: 'a', gpus: 1.5 }] }), {
      hints: (path) => (path[0] === 'sites' ? 'top-level sites hint' : undefined),
    });
    expect(issues[0].hint).toBe('top-level sites hint');
  });

  it('names the value and the missing field in friendly mode (parse with reportInput)', () => {
    const issues = zodIssues(errorOf({ sites: [{ id: 'a', gpus: 'many' }], mode: 'c', extra: 1 }, true), {
      friendly: true,
      hints: { name: 'give a name' },
    });
    const by = new Map(issues.map((i) => [i.path, i]));
    expect(by.get('name')).toEqual({
      path: 'name',
      message: 'missing required field "name"',
      hint: 'add name: give a name',
    });
    expect(by.get('sites[0].gpus')?.message).toBe('expected number, got "many"');
    expect(by.get('mode')).toEqual({ path: 'mode', message: '"c" is not allowed', hint: 'use one of: a, b' });
    expect(by.get('(root)')?.message).toBe('unknown field: extra');
  });

  it('says array bounds and numeric bounds in words', () => {
    const [few] = zodIssues(errorOf({ name: 'x', sites: [] }, true), { friendly: true });
    expect(few.message).toBe('needs at least 1 item');
    const [range] = zodIssues(errorOf({ name: 'x', sites: [{ id: 'a', gpus: -2 }] }, true), { friendly: true });
    expect(range.message).toBe('-2 is out of range: must be > 0');
    const [frac] = zodIssues(errorOf({ name: 'x', sites: [{ id: 'a', gpus: 1.5 }] }, true), { friendly: true });
    expect(frac.message).toBe('1.5 is not a whole number');
  });
});

describe('errors carrying issues', () => {
  it('formats issues and finds them on any error that carries them', () => {
    const issue = { path: 'gpus', message: 'must be > 0', hint: 'pass --gpus N' };
    expect(formatIssue(issue)).toBe('gpus: must be > 0 (fix: pass --gpus N)');
    const e = new InputIssuesError([issue]);
    expect(e.message).toBe('gpus: must be > 0 (fix: pass --gpus N)');
    expect(issuesOf(e)).toEqual([issue]);
    expect(issuesOf(new Error('x'))).toBeUndefined();
    expect(issuesOf({ issues: [{ path: 1 }] })).toBeUndefined();
    expect(issuesOf({ issues: [] })).toBeUndefined();
  });
});
