// One error shape for every 4xx and 5xx: {errors: [{path, message, hint}]}. Domain errors map to their
// status; fastify's own 4xx (bad JSON, body too large) keep theirs; anything else is a logged 500.
import type { Duplex } from 'node:stream';
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { InputIssue } from '../../../core/issues.js';
import { ForbiddenError } from '../../control-plane.js';
import { DomainError, InvalidInputError, NotFoundError } from '../../domain.js';

const body = (issues: InputIssue[]) => ({ errors: issues });

function domainHint(err: DomainError): string {
  if (err instanceof NotFoundError) return 'check the id';
  if (err instanceof ForbiddenError) return 'use a token of the owning tenant (or an admin token)';
  if (err.status === 503) return 'retry later';
  if (err.status === 409) return 'read the object again and retry';
  return 'see the server log';
}

/** Fastify's own request errors (a URL that does not decode, ...) in the common shape: pass as `frameworkErrors`. */
export function frameworkErrors(err: Error & { code?: string }, _req: unknown, reply: FastifyReply): void {
  void reply.code(400).send(
    body([
      {
        path: 'url',
        message: err.code === 'FST_ERR_BAD_URL' ? 'the URL does not decode (bad percent-encoding)' : err.message,
        hint: 'percent-encode the path as UTF-8 (encodeURIComponent)',
      },
    ]),
  );
}

/** Errors before a request exists (a broken chunked body, a malformed header): pass as `clientErrorHandler`. */
export function clientErrorHandler(err: Error & { code?: string }, socket: Duplex): void {
  if (!socket.writable) return;
  const payload = JSON.stringify(
    body([
      {
        path: '(request)',
        message: `malformed HTTP request (${err.code ?? err.message})`,
        hint: 'send a well-formed HTTP/1.1 request (valid headers and chunked encoding)',
      },
    ]),
  );
  socket.end(
    `HTTP/1.1 400 Bad Request\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(payload)}\r\nConnection: close\r\n\r\n${payload}`,
  );
}

export function registerErrors(app: FastifyInstance, bodyLimit: number): void {
  app.setErrorHandler((err: Error & { statusCode?: number; code?: string; cause?: unknown }, req, reply) => {
    if (err instanceof InvalidInputError) return reply.code(err.status).send(body(err.issues));
    if (err instanceof DomainError) {
      if (err.status >= 500) req.log.error({ err, cause: err.cause }, err.message);
      const path = err instanceof NotFoundError ? 'id' : err instanceof ForbiddenError ? 'authorization' : err.code;
      return reply.code(err.status).send(body([{ path, message: err.message, hint: domainHint(err) }]));
    }
    if (err.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
      return reply
        .code(413)
        .send(body([{ path: '(body)', message: 'request body too large', hint: `send at most ${bodyLimit} bytes` }]));
    }
    if (err.statusCode && err.statusCode >= 400 && err.statusCode < 500) {
      return reply
        .code(err.statusCode)
        .send(
          body([
            { path: '(body)', message: err.message, hint: 'send a JSON body with Content-Type: application/json' },
          ]),
        );
    }
    req.log.error({ err }, 'unhandled error');
    return reply.code(500).send(body([{ path: '(server)', message: 'internal error', hint: 'see the server log' }]));
  });
  app.setNotFoundHandler((req, reply) => {
    reply
      .code(404)
      .send(body([{ path: 'url', message: `no route ${req.method} ${req.url.split('?')[0]}`, hint: 'see /docs' }]));
  });
}
