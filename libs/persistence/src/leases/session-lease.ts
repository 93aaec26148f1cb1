import { Client } from 'pg';

/**
 * One instance at a time for a background worker (the escalation scan): a PostgreSQL session
 * advisory lock held on a dedicated connection. Another instance waits as a hot standby and takes
 * over within its retry interval when the holder's connection goes away (a crash ends the session,
 * which releases the lock). The outbox's shards have their own, per-shard lease (OutboxLease).
 */
export class SessionLease {
  private client: Client | null = null;
  private held = false;

  constructor(
    private readonly url: string,
    private readonly options: { key: number; applicationName: string },
  ) {}

  get isHeld(): boolean {
    return this.held;
  }

  /**
   * Tries once to take the lease; true when this instance holds it (now or already), false when
   * another instance does. Throws when the database cannot say (the connection is dropped).
   */
  async tryAcquire(): Promise<boolean> {
    if (this.held && this.client) return true;
    try {
      if (!this.client) {
        const client = new Client({
          connectionString: this.url,
          application_name: this.options.applicationName,
        });
        client.on('error', () => this.drop());
        client.on('end', () => this.drop());
        await client.connect();
        this.client = client;
      }
      const result = await this.client.query<{ acquired: boolean }>(
        'SELECT pg_try_advisory_lock($1) AS acquired',
        [this.options.key],
      );
      this.held = result.rows[0]?.acquired === true;
      return this.held;
    } catch (error) {
      await this.release();
      throw error;
    }
  }

  async release(): Promise<void> {
    const client = this.client;
    this.drop();
    // Closing the session releases the lock.
    await client?.end().catch(() => undefined);
  }

  private drop(): void {
    this.held = false;
    this.client = null;
  }
}
