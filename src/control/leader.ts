// Leader election over the store's lease row: one replica holds `scheduler` and runs the loop; the
// others serve the API. The holder renews every ttl/3; when it dies the lease expires and another
// replica takes it (term + 1) within ttl + one renew interval. With SQLite there is one replica.
import type { Store } from './store/types.js';
import type { Logger } from './scheduler.js';

export const LEADER_LEASE = 'scheduler';

export interface LeaderOptions {
  store: Store;
  replicaId: string;
  ttlMs?: number;
  now?: () => number;
  log?: Logger;
  onChange?: (leader: boolean, term: number) => void;
}

export class LeaderElector {
  private readonly store: Store;
  readonly replicaId: string;
  readonly ttlMs: number;
  private readonly now: () => number;
  private readonly log?: Logger;
  private readonly onChange?: (leader: boolean, term: number) => void;
  private validUntil = 0;
  private leader = false;
  term = 0;
  private timer: NodeJS.Timeout | null = null;

  constructor(o: LeaderOptions) {
    this.store = o.store;
    this.replicaId = o.replicaId;
    this.ttlMs = o.ttlMs ?? 5000;
    this.now = o.now ?? Date.now;
    this.log = o.log;
    this.onChange = o.onChange;
  }

  /** Leader only while our own view of the lease is still valid (renewal margin: a third of the TTL). */
  isLeader(): boolean {
    return this.leader && this.now() < this.validUntil;
  }

  async renew(): Promise<boolean> {
    const before = this.isLeader();
    const t = this.now();
    try {
      const lease = await this.store.acquireLease(LEADER_LEASE, this.replicaId, this.ttlMs, t);
      this.leader = lease.holder === this.replicaId;
      this.term = lease.term;
      if (this.leader) this.validUntil = t + (this.ttlMs * 2) / 3;
    } catch (err) {
      this.log?.warn({ err: (err as Error).message }, 'lease renewal failed');
    }
    const now = this.isLeader();
    if (now !== before) {
      this.log?.info(
        { replica: this.replicaId, term: this.term, leader: now },
        now ? 'became leader' : 'lost leadership',
      );
      if (now)
        await this.store
          .appendEvent({ at: t, type: 'leader.elected', data: { replica: this.replicaId, term: this.term } })
          .catch((err: Error) =>
            this.log?.warn({ replica: this.replicaId, err: err.message }, 'leader event not stored'),
          );
      this.onChange?.(now, this.term);
    }
    return now;
  }

  start(): void {
    if (this.timer) return;
    const loop = async () => {
      await this.renew();
      if (this.timer) this.timer = setTimeout(loop, Math.max(100, this.ttlMs / 3));
    };
    this.timer = setTimeout(loop, 0);
  }

  async stop(release = true): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (release && this.leader)
      await this.store
        .releaseLease(LEADER_LEASE, this.replicaId)
        // the lease then simply expires after its TTL
        .catch((err: Error) => this.log?.warn({ replica: this.replicaId, err: err.message }, 'lease not released'));
    this.leader = false;
  }
}
