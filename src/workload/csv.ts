// Minimal CSV reader: comma separated, double-quote quoting, CRLF or LF. Yields 1-based line numbers.

export interface CsvRow {
  line: number;
  fields: string[];
  raw: string;
}

export function splitCsvLine(line: string): string[] {
  if (!line.includes('"')) return line.split(',');
  const out: string[] = [];
  let cur = '';
  let q = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (q) {
      if (c === '"') {
        if (line[i + 1] === '"') {
          cur += '"';
          i++;
        } else q = false;
      } else cur += c;
    } else if (c === '"') q = true;
    else if (c === ',') {
      out.push(cur);
      cur = '';
    } else cur += c;
  }
  out.push(cur);
  return out;
}

/** Header plus rows; blank lines are returned with fields [] so callers can report them. */
export function parseCsv(text: string): { header: string[]; rows: CsvRow[] } {
  const lines = text.split(/\r?\n/);
  const header = splitCsvLine(lines[0] ?? '').map((h) => h.trim());
  const rows: CsvRow[] = [];
  for (let i = 1; i < lines.length; i++) {
    const raw = lines[i];
    if (raw.trim() === '') {
      if (i === lines.length - 1) continue; // trailing newline
      rows.push({ line: i + 1, fields: [], raw });
      continue;
    }
    rows.push({ line: i + 1, fields: splitCsvLine(raw), raw });
  }
  return { header, rows };
}
