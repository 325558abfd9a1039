// docs/benchmarks.md regeneration (bench/report.ts): a run keeps every hand-written word (the suites' notes in
// bench/notes/, sections of suites that did not run, sections no suite owns) and replaces only the tables it measured.
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  SUITES as BENCH_SUITES,
  mergeReport,
  renderSection,
  splitSections,
  type BenchResult,
} from '../../bench/report.js';
import { projectRoot } from '../../src/data-dir.js';

const ROOT = projectRoot();
const DOC = readFileSync(join(ROOT, 'docs', 'benchmarks.md'), 'utf8');
const note = (file: string) => readFileSync(join(ROOT, 'bench', 'notes', file), 'utf8');
const HEADER = note('header.md');
const SUITES = BENCH_SUITES.map((s) => [s.title, s.module] as const);
const ORDER = SUITES.map(([title]) => title);
const NOTE_FILES = readdirSync(join(ROOT, 'bench', 'notes')).filter((f) => f !== 'header.md');
const notesOf = (module: string) => (NOTE_FILES.includes(`${module}.md`) ? note(`${module}.md`) : '');

const results = (tag: string): BenchResult[] => [
  { name: `${tag} row`, metrics: { 'seconds (median of 3)': 0.1234567, replicas: 16_000 }, notes: `${tag} note` },
];
const section = (title: string, module: string, tag: string) =>
  renderSection({ title, notes: notesOf(module), stamp: `Table of the run of ${tag}.`, results: results(tag) });

describe('docs/benchmarks.md and bench/notes', () => {
  it('every notes file belongs to a suite and stands, whole, right under its heading in the file', () => {
    const modules = SUITES.map(([, m]) => `${m}.md`);
    expect(NOTE_FILES.filter((f) => !modules.includes(f))).toEqual([]);
    expect(NOTE_FILES.length).toBeGreaterThanOrEqual(5);
    const sections = new Map(splitSections(DOC).sections.map((s) => [s.title, s.text]));
    for (const [title, module] of SUITES) {
      const text = notesOf(module).trim();
      if (!text) continue;
      expect(sections.get(title)?.startsWith(`## ${title}\n\n${text}\n\n`), `${module}.md vs section ${title}`).toBe(
        true,
      );
    }
    expect(splitSections(DOC).header.trimEnd()).toBe(HEADER.trimEnd());
  });

  it('merging no fresh section gives the file back byte for byte', () => {
    expect(mergeReport(DOC, HEADER, ORDER, new Map())).toBe(DOC);
  });
});

describe('mergeReport', () => {
  it('a run of one suite replaces its table, keeps its notes and leaves every other section as it was', () => {
    const fresh = new Map([['Inference placement', section('Inference placement', 'inference-plan', 'T1')]]);
    const out = mergeReport(DOC, HEADER, ORDER, fresh);
    const before = splitSections(DOC).sections;
    const after = splitSections(out).sections;
    expect(after.map((s) => s.title)).toEqual(before.map((s) => s.title));
    for (const [i, s] of after.entries()) {
      if (s.title === 'Inference placement') continue;
      expect(s.text, s.title).toBe(before[i].text);
    }
    const placed = after.find((s) => s.title === 'Inference placement')!.text;
    expect(placed).toContain(notesOf('inference-plan').trim());
    expect(placed).toContain('Table of the run of T1.');
    expect(placed).toContain('| T1 row | seconds (median of 3) | 0.1235 |');
    expect(placed).toContain('| T1 row | replicas | 16,000 |');
    expect(placed).toContain('| T1 row | note | T1 note |');
    // the old table is gone: none of its rows is left
    expect(placed).not.toMatch(/azure-conv-americas/);
  });

  it('a full run rewrites every suite section with its notes and keeps a section no suite owns', () => {
    const doc = `${DOC.trimEnd()}\n\n## Kept by hand\n\nA table someone measured once.\n`;
    const fresh = new Map(SUITES.map(([title, module]) => [title, section(title, module, title)]));
    const out = mergeReport(doc, HEADER, ORDER, fresh);
    const after = splitSections(out);
    expect(after.header.trimEnd()).toBe(HEADER.trimEnd());
    expect(after.sections.map((s) => s.title)).toEqual([...ORDER, 'Kept by hand']);
    for (const [title, module] of SUITES) {
      const text = after.sections.find((s) => s.title === title)!.text;
      expect(text.startsWith(`## ${title}\n\n${notesOf(module).trim()}`), title).toBe(true);
      expect(text).toContain(`| ${title} row | replicas | 16,000 |`);
    }
    expect(out.endsWith('## Kept by hand\n\nA table someone measured once.\n')).toBe(true);
    // a suite with no notes: heading, stamp, table
    expect(after.sections.find((s) => s.title === 'Dashboard')!.text.split('\n\n')[1]).toBe(
      'Table of the run of Dashboard.',
    );
  });

  it('writes a first file from nothing, and sub-headings stay inside their section', () => {
    const fresh = new Map([['Planner', '## Planner\n\n### detail\n\ntext']]);
    const out = mergeReport(null, '# B\n', ORDER, fresh);
    expect(out).toBe('# B\n\n## Planner\n\n### detail\n\ntext\n');
    expect(splitSections(out).sections).toEqual([{ title: 'Planner', text: '## Planner\n\n### detail\n\ntext' }]);
  });
});
