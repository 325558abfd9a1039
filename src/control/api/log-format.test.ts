// The server's log lines for people: pino records as one readable line each on a terminal, JSON elsewhere.
import { PassThrough } from 'node:stream';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { formatLogLine, logDestination, prettyStream } from './log-format.js';

const collect = () => {
  const out = new PassThrough();
  let text = '';
  out.on('data', (b: Buffer) => (text += b.toString()));
  return { out, text: () => text };
};

describe('formatLogLine', () => {
  it('writes time, level, message, the request and the other fields on one line', () => {
    const line = JSON.stringify({
      level: 30,
      time: Date.UTC(2026, 0, 2, 3, 4, 5, 678),
      pid: 1,
      hostname: 'h',
      reqId: 'ab12',
      req: { method: 'GET', url: '/v1/jobs' },
      res: { statusCode: 200 },
      responseTime: 3.14159,
      msg: 'request completed',
      job: 'job_1',
      note: 'two words',
    });
    expect(formatLogLine(line)).toBe(
      '03:04:05.678Z INFO  request completed  GET /v1/jobs 200 3.1 ms  job=job_1 note="two words" req=ab12',
    );
  });

  it("puts an error's stack under its line, colours the level only when asked, and passes non-JSON through", () => {
    const line = JSON.stringify({
      level: 50,
      time: 0,
      msg: 'tick failed',
      err: { message: 'boom', stack: 'Error: boom\n  at x' },
    });
    expect(formatLogLine(line)).toBe('00:00:00.000Z ERROR tick failed\n    Error: boom\n      at x');
    expect(formatLogLine(line, true)).toContain('\x1b[31mERROR\x1b[0m');
    expect(formatLogLine('not json {')).toBe('not json {');
  });
});

describe('logDestination', () => {
  it('formats the real pino output on a terminal and leaves JSON elsewhere', async () => {
    const tty = collect();
    const ttyOut = Object.assign(tty.out, { isTTY: true });
    const log = pino({ base: { pid: 1 } }, logDestination(ttyOut, {}));
    log.info({ site: 'atl' }, 'site up');
    await new Promise((r) => setImmediate(r));
    const ESC = String.fromCharCode(27);
    expect(tty.text().slice(14)).toBe(`${ESC}[32mINFO ${ESC}[0m site up  site=atl\n`);
    expect(tty.text()).toMatch(/^\d\d:\d\d:\d\d\.\d{3}Z /);

    const pipe = collect();
    const plain = pino({}, logDestination(pipe.out, {}));
    plain.warn('slow');
    await new Promise((r) => setImmediate(r));
    expect(JSON.parse(pipe.text())).toMatchObject({ level: 40, msg: 'slow' });
  });

  it('follows SUPERFACTORY_LOG_FORMAT and NO_COLOR, and names a bad value', () => {
    const a = collect();
    expect(logDestination(a.out, { SUPERFACTORY_LOG_FORMAT: 'json' })).toBe(a.out);
    const s = logDestination(Object.assign(a.out, { isTTY: true }), { NO_COLOR: '1' });
    s.write('{"level":30,"time":0,"msg":"x"}\n');
    expect(a.text()).toBe('00:00:00.000Z INFO  x\n');
    expect(() => logDestination(a.out, { SUPERFACTORY_LOG_FORMAT: 'fancy' })).toThrow(
      /SUPERFACTORY_LOG_FORMAT: unknown log format "fancy"/,
    );
  });

  it('names the request on its "request completed" line, from the "incoming request" line', () => {
    const c = collect();
    const s = prettyStream(c.out);
    s.write('{"level":30,"time":0,"reqId":"r1","req":{"method":"POST","url":"/v1/jobs"},"msg":"incoming request"}\n');
    s.write('{"level":30,"time":0,"reqId":"r1","res":{"statusCode":201},"responseTime":2,"msg":"request completed"}\n');
    expect(c.text().split('\n')[1]).toBe('00:00:00.000Z INFO  request completed  POST /v1/jobs 201 2.0 ms  req=r1');
  });

  it('joins records split across writes', () => {
    const c = collect();
    const s = prettyStream(c.out);
    s.write('{"level":30,"time":0,"ms');
    s.write('g":"joined"}\n{"level":40,"time":0,"msg":"next"}\n');
    expect(c.text()).toBe('00:00:00.000Z INFO  joined\n00:00:00.000Z WARN  next\n');
  });
});
