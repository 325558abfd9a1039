// Server-sent events over fetch(): EventSource cannot send an Authorization header and the control
// plane authenticates /v1/events/stream with the bearer token only, so we read the stream ourselves
// (ReadableStream + TextDecoder), parse the SSE fields, and reconnect with Last-Event-ID.
import { apiUrl, token, type JobEvent } from './api';

export type StreamStatus = 'connecting' | 'live' | 'offline' | 'unauthorized';

export interface StreamHandlers {
  onEvent: (e: JobEvent) => void;
  onStatus: (s: StreamStatus) => void;
  /** Called once each time the stream (re)connects: the caller refreshes its snapshot. */
  onConnect?: () => void;
}

export interface SseMessage {
  id: string | null;
  event: string;
  data: string;
}

/** Incremental SSE parser: feed it text chunks, get whole messages back. */
export class SseParser {
  private buf = '';
  private id: string | null = null;
  private event = 'message';
  private data: string[] = [];

  push(chunk: string): SseMessage[] {
    this.buf += chunk;
    const out: SseMessage[] = [];
    let nl: number;
    while ((nl = this.buf.search(/\r\n|\r|\n/)) >= 0) {
      const line = this.buf.slice(0, nl);
      this.buf = this.buf.slice(nl + (this.buf.startsWith('\r\n', nl) ? 2 : 1));
      if (line === '') {
        if (this.data.length > 0) out.push({ id: this.id, event: this.event, data: this.data.join('\n') });
        this.event = 'message';
        this.data = [];
        continue;
      }
      if (line.startsWith(':')) continue; // comment / keep-alive
      const colon = line.indexOf(':');
      const field = colon < 0 ? line : line.slice(0, colon);
      let value = colon < 0 ? '' : line.slice(colon + 1);
      if (value.startsWith(' ')) value = value.slice(1);
      if (field === 'data') this.data.push(value);
      else if (field === 'event') this.event = value;
      else if (field === 'id') this.id = value;
    }
    return out;
  }

  get lastId(): string | null {
    return this.id;
  }
}

export class EventStream {
  private ctl: AbortController | null = null;
  private lastId: string | null = null;
  private stopped = false;
  private retryMs = 500;

  constructor(private readonly h: StreamHandlers) {}

  start(): void {
    this.stopped = false;
    void this.loop();
  }

  stop(): void {
    this.stopped = true;
    this.ctl?.abort();
  }

  private async loop(): Promise<void> {
    while (!this.stopped) {
      this.h.onStatus('connecting');
      this.ctl = new AbortController();
      try {
        const headers: Record<string, string> = {
          accept: 'text/event-stream',
          authorization: `Bearer ${token.get() ?? ''}`,
        };
        if (this.lastId) headers['last-event-id'] = this.lastId;
        const res = await fetch(apiUrl('/v1/events/stream'), { headers, signal: this.ctl.signal, cache: 'no-store' });
        if (res.status === 401 || res.status === 403) {
          this.h.onStatus('unauthorized');
          return;
        }
        if (!res.ok || !res.body) throw new Error(`HTTP ${res.status}`);
        const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
        const parser = new SseParser();
        let connected = false;
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          if (!connected) {
            // the server writes ": connected" once its position is fixed: from here no event is missed
            connected = true;
            this.retryMs = 500;
            this.h.onStatus('live');
            this.h.onConnect?.();
          }
          for (const m of parser.push(value)) {
            if (m.id) this.lastId = m.id;
            try {
              this.h.onEvent(JSON.parse(m.data) as JobEvent);
            } catch {
              // a malformed message is skipped, the stream goes on
            }
          }
        }
      } catch (err) {
        if (this.stopped || (err as Error).name === 'AbortError') return;
      }
      if (this.stopped) return;
      this.h.onStatus('offline');
      await new Promise((r) => setTimeout(r, this.retryMs));
      this.retryMs = Math.min(10_000, this.retryMs * 2);
    }
  }
}
