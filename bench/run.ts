// `npm run bench`: every benchmark, medians of several runs, written to docs/benchmarks.md (all sections).
// `npm run bench -- planner sim` runs the suites named (title substrings) and prints their sections;
// with `--write` it also replaces those sections in docs/benchmarks.md and keeps the rest of the file.
// A section = the suite's notes (bench/notes/<module>.md, hand-written, kept across runs) + the fresh table.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { projectRoot } from '../src/data-dir.js';
import { SUITES as suites, mergeReport, renderSection, type BenchResult } from './report.js';

export type { BenchResult } from './report.js';

const NOTES = join(projectRoot(), 'bench', 'notes');
const DOC = join(projectRoot(), 'docs', 'benchmarks.md');
const readNotes = (name: string) => (existsSync(join(NOTES, name)) ? readFileSync(join(NOTES, name), 'utf8') : '');

const args = process.argv.slice(2);
const write = args.includes('--write');
const only = args.filter((a) => a !== '--write');
const chosen = suites.filter(
  (s) => only.length === 0 || only.some((o) => s.title.toLowerCase().includes(o.toLowerCase())),
);
if (chosen.length === 0) {
  process.stderr.write(
    `error: suite: no suite matches ${only.join(', ')} (fix: use part of ${suites.map((s) => s.title).join(', ')})\n`,
  );
  process.exit(2);
}

const fresh = new Map<string, string>();
for (const suite of chosen) {
  const loaded = (await import(`./${suite.module}.js`)) as Record<string, () => Promise<BenchResult[]>>;
  process.stderr.write(`bench: ${suite.title}...\n`);
  const started = new Date().toISOString().slice(0, 16).replace('T', ' ');
  // the load average says how far a shared machine's wall-clock rows are from an idle one's
  const stamp = `Table of the run of ${started} UTC (Node ${process.version}, 1-minute load average ${loadavg()[0].toFixed(1)} on ${cpus().length} cores at the start).`;
  const results = await loaded[suite.entry]();
  const section = renderSection({ title: suite.title, notes: readNotes(`${suite.module}.md`), stamp, results });
  fresh.set(suite.title, section);
  process.stdout.write(`${section}\n\n`);
}

if (only.length === 0 || write) {
  const existing = existsSync(DOC) ? readFileSync(DOC, 'utf8') : null;
  const order = suites.map((s) => s.title);
  writeFileSync(DOC, mergeReport(existing, readNotes('header.md'), order, fresh));
  process.stderr.write(`bench: wrote ${fresh.size} section(s) of docs/benchmarks.md\n`);
}
