// The operating CLI's access and admin commands: login (profiles), sites (drain / undrain), tokens (create,
// list, revoke) and the common error form with exit 2 (a real control plane and the CLI as a subprocess).
import { describe, expect, it } from 'vitest';
import { readFileSync, statSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { Json } from '../control/fixtures.js';
import { waitFor } from '../control/helpers.js';
import { useOpsCli } from './ops-cli.js';

const cli = useOpsCli('sf-access-cli-');
const { sf, as, jsonOf } = cli;

/** A port nothing listens on: one the OS just gave out and took back. */
async function closedPort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const { port } = srv.address() as AddressInfo;
  await new Promise((r) => srv.close(r));
  return port;
}

describe('superfactory login', () => {
  it('checks the token and saves URL and token in a profile readable only by its owner', async () => {
    const r = await sf(['login', cli.t.url, '--token', cli.alice, '--json']);
    const saved = jsonOf(r);
    expect(saved).toMatchObject({ profile: 'default', url: cli.t.url, tenant: 'a', role: 'member' });
    expect(statSync(saved.file).mode & 0o777).toBe(0o600);
    expect(JSON.parse(readFileSync(saved.file, 'utf8')).profiles.default).toMatchObject({
      url: cli.t.url,
      token: cli.alice,
    });
    // Later commands need neither --server nor --token.
    const list = await sf(['jobs', 'list', '--json']);
    expect(jsonOf(list)).toHaveProperty('jobs');
  });

  it('refuses a token the server does not know, and saves nothing', async () => {
    const r = await sf(['login', cli.t.url, '--token', 'sf_not-a-real-token', '--profile', 'bad']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^error: token: .*unknown bearer token \(fix: pass --token, set SUPERFACTORY_TOKEN/m);
    const again = await sf(['jobs', 'list', '--profile', 'bad']);
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/^error: profile: no profile "bad"/m);
  });
});

describe('superfactory sites', () => {
  it('lists sites; an admin drains and undrains; a member may not', async () => {
    const list = jsonOf(await sf(['sites', '--json', ...as(cli.alice)]));
    expect(list.sites.map((s: Json) => s.id)).toEqual(['atl', 'wi']);
    const table = await sf(['sites', ...as(cli.alice)]);
    expect(table.stdout).toMatch(/^atl\s+\S.*\s+(up|unknown)\s+no\s+US-GA\s+\d+ \/ 8\s+local/m);
    const d = jsonOf(await sf(['sites', 'drain', 'atl', '--json', ...as(cli.t.admin)]));
    expect(d.site).toMatchObject({ id: 'atl', drained: true });
    expect((await cli.t.req('GET', '/v1/sites', cli.alice)).body.sites[0].drained).toBe(true);
    const u = await sf(['sites', 'undrain', 'atl', ...as(cli.t.admin)]);
    expect(u.stdout).toBe('atl: undrained (takes new jobs)\n');
    const member = await sf(['sites', 'drain', 'atl', ...as(cli.alice)]);
    expect(member.code).toBe(2);
    expect(member.stderr).toMatch(/^error: authorization: .*admin/m);
  });
});

describe('superfactory tokens', () => {
  it('create prints the secret once; the token works', async () => {
    const r = await sf([
      'tokens',
      'create',
      '--tenant',
      'a',
      '--role',
      'viewer',
      '--name',
      'dashboards',
      ...as(cli.t.admin),
    ]);
    expect(r.code).toBe(0);
    const secret = r.stdout.trim();
    expect(secret).toMatch(/^sf_/);
    expect(r.stderr).toMatch(/viewer token for tenant a/);
    const who = await cli.t.req('GET', '/v1/whoami', secret);
    expect(who.body).toMatchObject({ tenant: 'a', role: 'viewer' });
    const j = jsonOf(await sf(['tokens', 'create', '--tenant', 'a', '--json', ...as(cli.t.admin)]));
    expect(j).toMatchObject({ tenant: 'a', role: 'member' });
    const bad = await sf(['tokens', 'create', '--tenant', 'a', '--role', 'root', ...as(cli.t.admin)]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/^error: --role: unknown role "root" \(fix: use admin, member, viewer\)/m);
  });
});

describe('superfactory tokens list and revoke', () => {
  it('list shows tokens without secrets; revoke stops a token at once', async () => {
    const made = jsonOf(
      await sf(['tokens', 'create', '--tenant', 'a', '--name', 'to-revoke', '--json', ...as(cli.t.admin)]),
    );
    const list = jsonOf(await sf(['tokens', 'list', '--tenant', 'a', '--json', ...as(cli.t.admin)]));
    const mine = list.tokens.find((x: Json) => x.name === 'to-revoke');
    expect(mine).toMatchObject({ tenant: 'a', role: 'member', revoked: false });
    expect(JSON.stringify(list)).not.toContain(made.token);
    expect(mine.lastUsedAt).toBeNull();
    expect((await cli.t.req('GET', '/v1/whoami', made.token)).status).toBe(200);
    // its use is recorded (off the request's path): the table's LAST USED column shows when
    await waitFor(async () =>
      (await cli.t.req('GET', '/v1/tenants/a/tokens', cli.t.admin)).body.tokens.some(
        (x: Json) => x.id === mine.id && x.lastUsedAt,
      ),
    );
    const table = await sf(['tokens', 'list', '--tenant', 'a', ...as(cli.t.admin)]);
    expect(table.stdout).toMatch(/LAST USED/);
    expect(table.stdout).toMatch(new RegExp(`^${mine.id} .*to-revoke .*\\d{4}-\\d\\d-\\d\\dT\\S+Z +active$`, 'm'));
    const r = await sf(['tokens', 'revoke', mine.id, '--tenant', 'a', ...as(cli.t.admin)]);
    expect(r.stdout).toBe(`${mine.id}: revoked\n`);
    expect((await cli.t.req('GET', '/v1/whoami', made.token)).status).toBe(401);
  });
});

describe('errors in the common form, exit 2', () => {
  it('no server, an unreachable server, an unknown option', async () => {
    const none = await sf(['jobs', 'list'], { SUPERFACTORY_CONFIG_DIR: join(cli.dir, 'no-profile') });
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/^error: server: no control-plane server given \(fix: pass --server URL/m);
    const port = await closedPort();
    const down = await sf(['jobs', 'list', '--server', `http://127.0.0.1:${port}`, '--token', 'x']);
    expect(down.code).toBe(2);
    expect(down.stderr).toMatch(
      new RegExp(`^error: server: cannot reach http://127\\.0\\.0\\.1:${port} \\(ECONNREFUSED`, 'm'),
    );
    const notUrl = await sf(['sites', '--server', 'localhost:8080']);
    expect(notUrl.code).toBe(2);
    expect(notUrl.stderr).toMatch(/^error: server: --server must be http or https/m);
    const unknown = await sf(['jobs', 'list', '--sate', 'running', ...as(cli.alice)]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/^error: sate: unknown option --sate/m);
    const env = await sf(['jobs', 'list', '--json'], { SUPERFACTORY_URL: cli.t.url, SUPERFACTORY_TOKEN: cli.alice });
    expect(jsonOf(env)).toHaveProperty('jobs');
  });
});
