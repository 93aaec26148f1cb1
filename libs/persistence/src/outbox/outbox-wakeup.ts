import { Logger, type OnApplicationShutdown } from '@nestjs/common';
import { Client } from 'pg';
import { OUTBOX_CHANNEL, outboxWakeupPayload } from '../notify-channels';

/**
 * Least time between two NOTIFYs: under a steady stream of writes the relay is woken once per
 * interval (a drain sees everything committed by then) rather than once per round trip; a write
 * after a quiet spell is announced at once.
 */
export const MIN_WAKEUP_INTERVAL_MS = 5;

/**
 * Wakes the relay after record writes: one NOTIFY on a connection of its own, sent after the
 * write committed, and coalesced: writes that commit while one is on its way, or within
 * MIN_WAKEUP_INTERVAL_MS of the last, share the next, which names the outbox shards they wrote
 * (the relay then reads those shards, not all of them).
 *
 * A NOTIFY inside the write's own transaction would serialize every writer's commit, WAL
 * flush included, on PostgreSQL's one notification lock. Sent apart, with synchronous_commit
 * off on this connection (a lost wake-up only leaves the row to the relay's poll), it holds
 * that lock for microseconds and never delays a 201.
 */
export class OutboxWakeup implements OnApplicationShutdown {
  private readonly logger = new Logger(OutboxWakeup.name);
  private client: Promise<Client> | null = null;
  private sending = false;
  /** The shards written since the last NOTIFY went out; null: some write did not say (any shard). */
  private written: Set<number> | null = new Set();
  private closed = false;

  constructor(
    private readonly url: string,
    readonly enabled: boolean,
  ) {}

  /**
   * Asks for a wake-up of the relay for rows written in `shards` (outboxShardOf), or in any shard
   * when not given; never throws (the relay also polls).
   */
  wake(shards?: Iterable<number>): void {
    if (!this.enabled || this.closed) return;
    if (shards === undefined) this.written = null;
    else if (this.written !== null) for (const shard of shards) this.written.add(shard);
    if (this.sending || !this.pending()) return;
    this.sending = true;
    void this.send();
  }

  async onApplicationShutdown(): Promise<void> {
    this.closed = true;
    const client = this.client;
    this.client = null;
    await client?.then((connected) => connected.end()).catch(() => undefined);
  }

  private async send(): Promise<void> {
    do {
      const written = this.written;
      this.written = new Set();
      const started = Date.now();
      try {
        const client = await this.connection();
        await client.query('SELECT pg_notify($1, $2)', [OUTBOX_CHANNEL, outboxWakeupPayload(written)]);
      } catch (error) {
        this.client = null;
        this.logger.warn({
          msg: 'could not wake the relay; it will find the rows by its poll',
          err: error instanceof Error ? error.message : String(error),
        });
      }
      const wait = started + MIN_WAKEUP_INTERVAL_MS - Date.now();
      if (this.pending() && wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    } while (this.pending() && !this.closed);
    this.sending = false;
  }

  /** Whether writes since the last NOTIFY wait for the next. */
  private pending(): boolean {
    return this.written === null || this.written.size > 0;
  }

  private connection(): Promise<Client> {
    this.client ??= (async () => {
      const client = new Client({ connectionString: this.url, application_name: 'cosmo-hub-outbox-wakeup' });
      client.on('error', () => (this.client = null));
      await client.connect();
      await client.query('SET synchronous_commit = off');
      return client;
    })();
    return this.client;
  }
}
