// pino options of the API: secrets redacted (Authorization, cookies, Slurm tokens, any token or
// secret field), and a token passed in the query string cut from the logged URL. Readable lines on a
// terminal, JSON lines otherwise (log-format.ts).
import type { FastifyServerOptions } from 'fastify';
import { logDestination } from './log-format.js';

export type LoggerOption = boolean | { level?: string; stream?: NodeJS.WritableStream };

/** `?token=...` or `access_token=...` in a URL, as logged. */
export function redactUrl(url: string): string {
  return url.replace(/([?&](?:access_)?token=)[^&]*/gi, '$1[redacted]');
}

export function loggerOptions(o: LoggerOption | undefined): FastifyServerOptions['logger'] {
  if (o === false) return false;
  return {
    level: (typeof o === 'object' && o.level) || process.env.LOG_LEVEL || 'info',
    // readable lines on a terminal, JSON otherwise (log-format.ts)
    stream: typeof o === 'object' && o.stream ? o.stream : logDestination(),
    redact: {
      paths: [
        'req.headers.authorization',
        'req.headers.cookie',
        'req.headers["x-slurm-user-token"]',
        '*.token',
        '*.secret',
      ],
      censor: '[redacted]',
    },
    serializers: {
      req(req: { method: string; url: string; headers: Record<string, unknown>; ip?: string }) {
        return { method: req.method, url: redactUrl(req.url), headers: { ...req.headers }, ip: req.ip };
      },
    },
  };
}
