// docs/benchmarks.md from the suites' results and their hand-written notes (bench/notes/<module>.md). Pure
// functions: a run of some suites replaces exactly their sections and keeps every other word of the file.

/** A suite of `npm run bench`: its section title, its module in bench/ (also its notes file's name), its entry. */
export interface Suite {
  title: string;
  module: string;
  entry: string;
}

/** The suites in the order of their sections in docs/benchmarks.md. */
export const SUITES: readonly Suite[] = [
  { title: 'Performance model', module: 'perf', entry: 'benchPerf' },
  { title: 'Serving model', module: 'serving', entry: 'benchServing' },
  { title: 'Planner', module: 'planner', entry: 'benchPlanner' },
  { title: 'Inference placement', module: 'inference-plan', entry: 'benchInferencePlan' },
  { title: 'Digital twin', module: 'sim', entry: 'benchSim' },
  { title: 'Inference twin', module: 'inference-twin', entry: 'benchInferenceTwin' },
  { title: 'Control plane', module: 'control', entry: 'benchControl' },
  { title: 'Dashboard', module: 'dashboard', entry: 'benchDashboard' },
];

export interface BenchResult {
  name: string;
  metrics: Record<string, number>;
  notes?: string;
}

/** One suite's fresh section: its heading, its notes (markdown, may be empty), when it ran, its results. */
export interface SuiteReport {
  title: string;
  notes: string;
  /** One line saying when and where the table was measured. */
  stamp: string;
  results: BenchResult[];
}

/** A section of the file: `## title` and everything up to the next `## ` heading. */
export interface Section {
  title: string;
  text: string;
}

export const formatValue = (value: number): string =>
  Number.isInteger(value) ? value.toLocaleString('en-US') : value.toPrecision(4);

export function renderTable(results: readonly BenchResult[]): string {
  const lines = ['| benchmark | metric | value |', '|---|---|---:|'];
  for (const r of results) {
    for (const [metric, value] of Object.entries(r.metrics))
      lines.push(`| ${r.name} | ${metric} | ${formatValue(value)} |`);
    if (r.notes) lines.push(`| ${r.name} | note | ${r.notes} |`);
  }
  return lines.join('\n');
}

/** `## title`, the notes, the stamp line and the table. */
export function renderSection(r: SuiteReport): string {
  const notes = r.notes.trim();
  return [`## ${r.title}`, ...(notes ? [notes] : []), r.stamp, renderTable(r.results)].join('\n\n');
}

/** The file's header (everything before the first `## ` heading) and its sections in order. */
export function splitSections(doc: string): { header: string; sections: Section[] } {
  const lines = doc.split('\n');
  const starts = lines.flatMap((l, i) => (l.startsWith('## ') ? [i] : []));
  const header = lines.slice(0, starts[0] ?? lines.length).join('\n');
  const sections = starts.map((start, k) => ({
    title: lines[start].slice(3).trim(),
    text: lines
      .slice(start, starts[k + 1] ?? lines.length)
      .join('\n')
      .trimEnd(),
  }));
  return { header, sections };
}

/**
 * The new file: `header`, then one section per title of `order` (the fresh one where the suite ran, else the
 * existing one as it stands), then any existing section whose title is not in `order`, as it stands.
 */
export function mergeReport(
  existing: string | null,
  header: string,
  order: readonly string[],
  fresh: ReadonlyMap<string, string>,
): string {
  const old = existing === null ? [] : splitSections(existing).sections;
  const byTitle = new Map(old.map((s) => [s.title, s.text]));
  const out: string[] = [];
  for (const title of order) {
    const text = fresh.get(title) ?? byTitle.get(title);
    if (text !== undefined) out.push(text.trimEnd());
  }
  for (const s of old) if (!order.includes(s.title)) out.push(s.text);
  return `${[header.trimEnd(), ...out].join('\n\n')}\n`;
}
