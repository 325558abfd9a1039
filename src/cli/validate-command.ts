// `npm run validate`: print predicted vs measured for every published case and write docs/validation.md.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { projectRoot } from '../data-dir.js';
import { formatValidationMarkdown, runValidation } from '../perf/validation.js';

export async function runValidateCommand(write: boolean): Promise<number> {
  const rows = await runValidation();
  const markdown = formatValidationMarkdown(rows);
  process.stdout.write(markdown);
  if (write) writeFileSync(join(projectRoot(), 'docs', 'validation.md'), markdown);
  const worst = Math.max(...rows.map((r) => Math.abs(r.errorPercent)));
  return worst <= 10 ? 0 : 1;
}
