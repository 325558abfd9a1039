// The deployment config of `superfactory serve --config FILE`.
import { describe, expect, it } from 'vitest';
import { InvalidInputError } from '../../src/control/domain.js';
import { parseServeConfig } from '../../src/control/config.js';

describe('serve config', () => {
  it('fills defaults: SQLite under .superfactory, fairwater, twin everywhere, port 8080', () => {
    const c = parseServeConfig('');
    expect(c).toMatchObject({
      port: 8080,
      store: '.superfactory/control.db',
      fabric: 'fairwater',
      policy: 'priority',
      schedule: true,
    });
    expect(c.sites['*'].executor).toBe('twin');
  });

  it('reads a PostgreSQL store and Slurm and local sites', () => {
    const c = parseServeConfig(`
store: postgres://sf:secret@db:5432/superfactory
fabric: fairwater
sites:
  atl: { executor: slurm, url: "http://slurm-atl:6820", tokenEnv: SLURM_JWT_ATL, user: sf, workDir: /shared/sf, partition: gpu }
  wi: { executor: local, heartbeat: agent }
`);
    expect(c.sites.atl).toMatchObject({ executor: 'slurm', user: 'sf', heartbeat: 'executor' });
    expect(c.sites.wi).toMatchObject({ executor: 'local', heartbeat: 'agent' });
  });

  it('rejects a bad config with the field path and a hint', () => {
    try {
      parseServeConfig('port: -1\nsites:\n  atl: { executor: k8s }\n');
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(InvalidInputError);
      const paths = (err as InvalidInputError).issues.map((i) => i.path);
      expect(paths).toEqual(expect.arrayContaining(['port', 'sites.atl.executor']));
    }
    expect(() => parseServeConfig('port: [')).toThrow(InvalidInputError);
  });
});
