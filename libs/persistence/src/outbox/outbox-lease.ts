import { Client } from 'pg';
import { OUTBOX_CHANNEL } from '../notify-channels';
import type { ShardSurvey } from './outbox-shards';

/**
 * Arbitrary but fixed advisory lock keys (the two-int form): (SHARD_LOCK, shard) is a shard's
 * lease; (RELAY_PRESENCE_LOCK, 0), held shared by every running relay, says which relays there are.
 */
const SHARD_LOCK = 7316001;
const RELAY_PRESENCE_LOCK = 7316002;

/**
 * The relay's leases on the outbox's shards, held as PostgreSQL session advisory locks on one
 * dedicated connection: when the relay dies its connection goes, and its shards with it, so the
 * other relays take them at their next round. A relay only gives a shard up between two drains
 * of it (OutboxRelay), so two relays never publish one shard at once.
 */
export class OutboxLease {
  private client: Client | null = null;
  private self = 0;
  private readonly held = new Set<number>();

  constructor(private readonly url: string) {}

  /** Whether this relay holds the shard's lease: checked before each batch of the shard. */
  holds(shard: number): boolean {
    return this.client !== null && this.held.has(shard);
  }

  get heldShards(): number[] {
    return this.client ? [...this.held].sort((a, b) => a - b) : [];
  }

  /**
   * Which relays run and who holds which shard, from pg_locks (joining first: a new relay announces
   * itself on the outbox channel, so the others give up its share at once rather than at their poll).
   * Throws when the database cannot say.
   */
  async survey(): Promise<ShardSurvey> {
    const client = await this.connection();
    const { rows } = await this.guarded(() =>
      client.query<{ pid: number; lock: number; shard: number }>(
        `SELECT pid, classid::int AS lock, objid::int AS shard FROM pg_locks
          WHERE locktype = 'advisory' AND granted AND objsubid = 2
            AND database = (SELECT oid FROM pg_database WHERE datname = current_database())
            AND classid::int IN ($1, $2)`,
        [SHARD_LOCK, RELAY_PRESENCE_LOCK],
      ),
    );
    const relays = rows.filter((row) => row.lock === RELAY_PRESENCE_LOCK).map((row) => row.pid);
    const holders = new Map<number, number>();
    for (const row of rows) if (row.lock === SHARD_LOCK) holders.set(row.shard, row.pid);
    return { self: this.self, relays, holders };
  }

  /** Tries once to take the shard's lease; true when this relay holds it now. */
  async acquire(shard: number): Promise<boolean> {
    if (this.holds(shard)) return true;
    const client = await this.connection();
    const { rows } = await this.guarded(() =>
      client.query<{ acquired: boolean }>('SELECT pg_try_advisory_lock($1, $2) AS acquired', [
        SHARD_LOCK,
        shard,
      ]),
    );
    if (rows[0]?.acquired === true) this.held.add(shard);
    return this.held.has(shard);
  }

  /** Gives the shard up (after its last drain has settled) and tells the other relays at once. */
  async release(shard: number): Promise<void> {
    const client = this.client;
    if (!client || !this.held.delete(shard)) return;
    await this.guarded(() =>
      client.query('SELECT pg_advisory_unlock($1, $2), pg_notify($3, $4)', [
        SHARD_LOCK,
        shard,
        OUTBOX_CHANNEL,
        '',
      ]),
    );
  }

  /** Gives up every shard: closing the session releases its locks. */
  async close(): Promise<void> {
    const client = this.client;
    this.drop();
    await client?.end().catch(() => undefined);
  }

  private async connection(): Promise<Client> {
    if (this.client) return this.client;
    const client = new Client({ connectionString: this.url, application_name: 'cosmo-hub-relay-lease' });
    client.on('error', () => this.drop(client));
    client.on('end', () => this.drop(client));
    try {
      await client.connect();
      const { rows } = await client.query<{ pid: number }>(
        'SELECT pg_backend_pid() AS pid, pg_advisory_lock_shared($1, 0), pg_notify($2, $3)',
        [RELAY_PRESENCE_LOCK, OUTBOX_CHANNEL, ''],
      );
      this.self = rows[0].pid;
    } catch (error) {
      await client.end().catch(() => undefined);
      throw error;
    }
    this.client = client;
    return client;
  }

  /** A failed query leaves the leases unsure: the connection is closed, and the leases with it. */
  private async guarded<T>(query: () => Promise<T>): Promise<T> {
    try {
      return await query();
    } catch (error) {
      await this.close();
      throw error;
    }
  }

  private drop(client?: Client): void {
    if (client && client !== this.client) return;
    this.client = null;
    this.held.clear();
  }
}
