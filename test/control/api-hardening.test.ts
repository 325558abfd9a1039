// API hardening over real HTTP (issue 13, items 5-9, TLS, rate limits): whole idempotency keys tied to
// the body, token list and instant revocation, fastify's own errors in the common shape, unauthenticated
// requests rate-limited per address, per-tenant limits, a token in the query string not logged, HTTPS.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import { connect } from 'node:net';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, tenantToken, type TestServer } from './fixtures.js';
import { tempDir } from './helpers.js';

const job = (over: Record<string, unknown> = {}) => ({
  name: 'h',
  model: 'llama3-8b',
  gpus: 16,
  priority: -100,
  ...over,
});

describe('API hardening', () => {
  let t: TestServer;
  let admin: string; // tenant admin of ta
  let member: string;
  const logLines: string[] = [];

  beforeAll(async () => {
    const stream = new Writable({
      write(chunk, _enc, done) {
        logLines.push(String(chunk));
        done();
      },
    });
    t = await startTestServer({
      schedule: false,
      logger: { level: 'info', stream },
      rateLimit: {
        perSecond: 1000,
        burst: 1000,
        tenants: { slow: { perSecond: 1, burst: 3 } },
        unauthenticated: { perSecond: 1, burst: 5 },
      },
    });
    admin = await tenantToken(t, 'ta', 'admin');
    member = await tenantToken(t, 'ta', 'member');
  });
  afterAll(async () => t?.close());

  it('uses the whole Idempotency-Key and answers 422 when a key comes back with another body', async () => {
    const base = 'k'.repeat(199);
    const a = await t.req('POST', '/v1/jobs', member, job({ name: 'a' }), { 'idempotency-key': `${base}a` });
    const b = await t.req('POST', '/v1/jobs', member, job({ name: 'b' }), { 'idempotency-key': `${base}b` });
    expect([a.status, b.status]).toEqual([201, 201]);
    expect(b.body.job.id, 'keys sharing a 199-character prefix are different keys').not.toBe(a.body.job.id);
    const retry = await t.req('POST', '/v1/jobs', member, job({ name: 'a' }), { 'idempotency-key': `${base}a` });
    expect(retry.status).toBe(200);
    expect(retry.body.job.id).toBe(a.body.job.id);
    const other = await t.req('POST', '/v1/jobs', member, job({ name: 'a', gpus: 8 }), {
      'idempotency-key': `${base}a`,
    });
    expect(other.status).toBe(422);
    expect(other.body.errors[0]).toMatchObject({ path: 'idempotency-key' });
    const long = await t.req('POST', '/v1/jobs', member, job(), { 'idempotency-key': 'x'.repeat(201) });
    expect(long.status).toBe(400);
    expect(long.body.errors[0].path).toBe('idempotency-key');
  });

  it('lists a tenant’s tokens without secrets and revokes one at once', async () => {
    const mint = await t.req('POST', '/v1/tenants/ta/tokens', admin, { role: 'viewer', name: 'ci bot' });
    expect((await t.req('GET', '/v1/whoami', mint.body.token)).status).toBe(200);
    const list = await t.req('GET', '/v1/tenants/ta/tokens', admin);
    expect(list.status).toBe(200);
    const bot = list.body.tokens.find((x: { name: string }) => x.name === 'ci bot');
    expect(bot).toMatchObject({ tenant: 'ta', role: 'viewer', revoked: false });
    expect(JSON.stringify(list.body)).not.toContain(mint.body.token);
    expect((await t.req('GET', '/v1/tenants/system/tokens', admin)).status).toBe(403);
    const r = await t.req('DELETE', `/v1/tenants/ta/tokens/${bot.id}`, admin);
    expect(r.status).toBe(200);
    expect(r.body.token.revoked).toBe(true);
    expect((await t.req('GET', '/v1/whoami', mint.body.token)).status, 'revoked: fails on the very next request').toBe(
      401,
    );
    expect((await t.req('DELETE', `/v1/tenants/ta/tokens/${bot.id}x`, admin)).status).toBe(404);
  });

  it('answers fastify’s own errors in the {errors:[{path, message, hint}]} shape', async () => {
    const badUrl = await t.req('GET', '/v1/jobs/%E0%A4%A', member);
    expect(badUrl.status).toBe(400);
    expect(badUrl.body.errors[0]).toMatchObject({ path: 'url', hint: expect.any(String) });
    const longId = await t.req('GET', `/v1/jobs/${'x'.repeat(500)}`, member);
    expect(longId.status).toBeGreaterThanOrEqual(400);
    expect(longId.status).toBeLessThan(500);
    expect(longId.body.errors[0]).toMatchObject({ path: expect.any(String), message: expect.any(String) });
    const badJson = await t.req('POST', '/v1/jobs', member, '{"name":');
    expect(badJson.status).toBe(400);
    expect(badJson.body.errors[0].path).toBe('(body)');
    // a broken chunked body, straight on the socket
    const { port } = new URL(t.url);
    const raw = await new Promise<string>((resolve, reject) => {
      const s = connect(Number(port), '127.0.0.1', () =>
        s.write(
          `POST /v1/jobs HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${member}\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n`,
        ),
      );
      let got = '';
      s.on('data', (d) => (got += String(d)));
      s.on('end', () => resolve(got));
      s.on('error', reject);
    });
    expect(raw).toMatch(/^HTTP\/1\.1 400/);
    expect(JSON.parse(raw.slice(raw.indexOf('\r\n\r\n') + 4)).errors[0]).toMatchObject({ path: '(request)' });
  });

  it('rate-limits requests without a valid token per address, before any store lookup', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 12; i++) statuses.push((await t.req('GET', '/v1/jobs', `sf_bad_${i}`)).status);
    expect(statuses[0]).toBe(401);
    expect(statuses.filter((s) => s === 401).length, 'at most the burst of failed lookups').toBeLessThanOrEqual(5);
    expect(statuses.slice(-3)).toEqual([429, 429, 429]);
    // a valid token, once cached, is not held back by the address bucket
    expect((await t.req('GET', '/v1/whoami', member)).status).toBe(200);
  });

  it('applies a tenant’s own rate limit', async () => {
    await new Promise((r) => setTimeout(r, 1100)); // the address bucket refills (the token below is new)
    const slow = await tenantToken(t, 'slow', 'member');
    const s: number[] = [];
    for (let i = 0; i < 6; i++) s.push((await t.req('GET', '/v1/whoami', slow)).status);
    expect(s.slice(0, 3)).toEqual([200, 200, 200]);
    expect(s).toContain(429);
  });

  it('never logs a token sent in the query string', async () => {
    await t.req('GET', '/v1/whoami?token=sf_secret_in_query&access_token=sf_other', member);
    const text = logLines.join('');
    expect(text).toContain('/v1/whoami?token=[redacted]');
    expect(text).not.toContain('sf_secret_in_query');
    expect(text).not.toContain('sf_other');
    expect(text).not.toContain(member);
  });
});

describe('HTTPS', () => {
  const haveOpenssl = existsSync('/usr/bin/openssl');
  it.skipIf(!haveOpenssl)('serves the API over TLS with the configured certificate and key', async () => {
    const dir = tempDir('sf-tls-');
    const key = join(dir, 'key.pem');
    const cert = join(dir, 'cert.pem');
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-keyout',
        key,
        '-out',
        cert,
        '-days',
        '1',
        '-subj',
        '/CN=127.0.0.1',
        '-addext',
        'subjectAltName=IP:127.0.0.1',
      ],
      { stdio: 'ignore' },
    );
    const s = await startTestServer({ schedule: false, tls: { cert: readFileSync(cert), key: readFileSync(key) } });
    try {
      expect(s.url).toMatch(/^https:\/\//);
      const body = await new Promise<string>((resolve, reject) => {
        const r = httpsRequest(`${s.url}/healthz`, { ca: readFileSync(cert) }, (res) => {
          let text = '';
          res.on('data', (d) => (text += String(d)));
          res.on('end', () => resolve(text));
        });
        r.on('error', reject);
        r.end();
      });
      expect(JSON.parse(body)).toMatchObject({ ok: true });
    } finally {
      await s.close();
    }
  });
});
