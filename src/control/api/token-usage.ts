// A token's last use, recorded in the store at most once per `everyMs` per token and replica, so that a token
// sending thousands of requests a second costs one small write a minute (the default), never one per request.
// The write is off the request's path: a failed one is logged and the next use after the interval tries again.
import type { Logger } from '../scheduler.js';
import type { Store } from '../store/types.js';

/** How often a token's last use is written (ms): an assumption, fine enough for "last used" in a list. */
export const DEFAULT_TOKEN_USE_EVERY_MS = 60_000;

export class TokenUsage {
  private readonly written = new Map<string, number>();
  constructor(
    private readonly store: Store,
    private readonly log: Logger,
    private readonly now: () => number = Date.now,
    private readonly everyMs = DEFAULT_TOKEN_USE_EVERY_MS,
  ) {}

  /** Notes one use of the token; returns the write when one was started (tests await it), else null. */
  used(tokenId: string): Promise<void> | null {
    const t = this.now();
    const last = this.written.get(tokenId);
    if (last !== undefined && t - last < this.everyMs) return null;
    if (this.written.size >= 10_000) this.written.clear(); // bounded: forgetting only costs an early write
    this.written.set(tokenId, t);
    return this.store.touchToken(tokenId, t).catch((err: Error) => {
      this.written.delete(tokenId);
      this.log.warn({ token: tokenId, err: err.message }, 'cannot record token use');
    });
  }
}
