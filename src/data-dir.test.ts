import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { bundledDataPath, dataPath, gridDataPath, projectRoot, traceDataPath } from './data-dir.js';

const saved = process.env.SUPERFACTORY_DATA_DIR;
afterEach(() => {
  if (saved === undefined) delete process.env.SUPERFACTORY_DATA_DIR;
  else process.env.SUPERFACTORY_DATA_DIR = saved;
});

const carbon = ['carbon', 'eia930_2022_dc-rl', 'SOCO_2022_hourly_fuelmix_avgCI.csv'];

describe('data lookup', () => {
  it('uses the data shipped in the project by default (grid series and the example trace)', () => {
    delete process.env.SUPERFACTORY_DATA_DIR;
    expect(gridDataPath(...carbon)).toBe(join(projectRoot(), 'data', 'grid', ...carbon));
    expect(traceDataPath('philly_pollux.csv')).toBe(join(projectRoot(), 'data', 'traces', 'philly_pollux.csv'));
  });

  it("SUPERFACTORY_DATA_DIR: the user's file wins, a file it lacks falls back to the shipped one", () => {
    const mine = mkdtempSync(join(tmpdir(), 'sf-data-'));
    mkdirSync(join(mine, 'grid', 'carbon', 'eia930_2022_dc-rl'), { recursive: true });
    writeFileSync(join(mine, 'grid', ...carbon), 'timestamp,avg_CI\n');
    process.env.SUPERFACTORY_DATA_DIR = mine;
    expect(gridDataPath(...carbon)).toBe(join(mine, 'grid', ...carbon));
    expect(dataPath('fabrics', 'fairwater.yaml')).toBe(bundledDataPath('fabrics', 'fairwater.yaml'));
    // Neither has it: the user's path, so the "not found" error names the folder they chose.
    expect(dataPath('fabrics', 'nowhere.yaml')).toBe(join(mine, 'fabrics', 'nowhere.yaml'));
  });
});
