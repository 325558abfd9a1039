// /openapi.json is a valid OpenAPI 3.1 document (checked by @apidevtools/swagger-parser, a standard
// validator) in which every operation documents its real responses with the contract's schemas.
import SwaggerParser from '@apidevtools/swagger-parser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type Json, type TestServer } from './fixtures.js';

let t: TestServer;
let doc: Json;
beforeAll(async () => {
  t = await startTestServer({ schedule: false });
  doc = (await t.req('GET', '/openapi.json')).body;
});
afterAll(async () => t?.close());

const operations = () =>
  Object.entries(doc.paths as Record<string, Record<string, Json>>).flatMap(([path, ops]) =>
    Object.entries(ops).map(([method, op]) => ({ path, method, op })),
  );

describe('the API document', () => {
  it('validates as OpenAPI 3.1 with a standard validator', async () => {
    expect(doc.openapi).toBe('3.1.0');
    await expect(SwaggerParser.validate(structuredClone(doc))).resolves.toBeTruthy();
  });

  it('documents every operation’s responses (no "Default Response"), errors in the common shape', () => {
    const ops = operations();
    expect(ops.length).toBeGreaterThanOrEqual(30);
    for (const { path, method, op } of ops) {
      const codes = Object.keys(op.responses ?? {});
      expect(
        codes.some((c) => c.startsWith('2')),
        `${method} ${path}: a success response`,
      ).toBe(true);
      expect(JSON.stringify(op.responses)).not.toContain('Default Response');
      for (const c of codes.filter((x) => /^[45]/.test(x))) {
        const schema = op.responses[c].content['application/json'].schema;
        expect(schema.properties.errors.items.required, `${method} ${path} ${c}`).toEqual(['path', 'message', 'hint']);
      }
      if (path.startsWith('/v1/'))
        expect(codes, `${method} ${path}`).toEqual(expect.arrayContaining(['400', '401', '429']));
    }
  });

  it('has the real status codes and the contract’s schemas', async () => {
    const submit = doc.paths['/v1/jobs'].post;
    expect(Object.keys(submit.responses)).toEqual(expect.arrayContaining(['200', '201', '422']));
    const job = submit.responses['201'].content['application/json'].schema.properties.job;
    expect(job.properties.state.enum).toContain('queued');
    expect(submit.requestBody.content['application/json'].schema.required).toEqual(['name', 'model']);
    // and the server does answer 201 with that shape
    const member = await (async () => {
      await t.req('POST', '/v1/tenants', t.admin, { id: 'oa' });
      return (await t.req('POST', '/v1/tenants/oa/tokens', t.admin, { role: 'member' })).body.token;
    })();
    const r = await t.req('POST', '/v1/jobs', member, { name: 'oa', model: 'llama3-8b', gpus: 16, priority: -100 });
    expect(r.status).toBe(201);
    for (const k of job.required) expect(r.body.job, k).toHaveProperty(k);
    expect(doc.paths['/v1/tenants'].post.responses['201']).toBeDefined();
    expect(doc.paths['/v1/jobs/{id}'].get.parameters[0]).toMatchObject({ in: 'path', name: 'id', required: true });
  });
});
