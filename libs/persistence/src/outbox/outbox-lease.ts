import { Client } from 'pg';

/** Arbitrary but fixed: the advisory lock that makes one relay at a time publish the outbox. */
const RELAY_LOCK_KEY = 7316001;

/**
 * Leadership for the relay, held as a PostgreSQL session advisory lock on a
 * dedicated connection. Another relay instance waits as a hot standby and takes
 * over within a retry interval when the leader's connection goes away.
 */
export class OutboxLease {
  private client: Client | null = null;
  private held = false;

  /** `key` and `applicationName` let another single-instance worker (the escalation scan) hold a lease of its own. */
  constructor(
    private readonly url: string,
    private readonly options: { key?: number; applicationName?: string } = {},
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
          application_name: this.options.applicationName ?? 'cosmo-hub-relay-lease',
        });
        client.on('error', () => this.drop());
        client.on('end', () => this.drop());
        await client.connect();
        this.client = client;
      }
      const result = await this.client.query<{ acquired: boolean }>(
        'SELECT pg_try_advisory_lock($1) AS acquired',
        [this.options.key ?? RELAY_LOCK_KEY],
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
