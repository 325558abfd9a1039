// The edge adapter for scenario files: reads one and parses it (scenario.ts). Only the edge (the CLI) imports it;
// the simulator is handed the parsed Scenario.
import { readFileSync } from 'node:fs';
import type { InputIssue } from '../fabric/types.js';
import { parseScenarioText, type Scenario } from './scenario.js';

/** Read and parse a scenario file; an unreadable file is an issue, not a throw. */
export function loadScenarioFile(file: string): { scenario?: Scenario; issues: InputIssue[] } {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    return {
      issues: [
        {
          path: '--scenario',
          message: `cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`,
          hint: 'check the path to the scenario file',
        },
      ],
    };
  }
  return parseScenarioText(text, file);
}
