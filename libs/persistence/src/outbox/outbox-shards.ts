/**
 * The outbox's shards: every row belongs to the shard of its Kafka message key (the record id),
 * so all versions of a record sit in one shard and one relay publishes them, in the order written.
 * Each shard has its own lease (OutboxLease); the running relays share the shards between them.
 */

/** Shards when OUTBOX_SHARDS is not set: enough for a handful of relays to share evenly. */
export const DEFAULT_OUTBOX_SHARDS = 8;

/** The injected shard count (DatabaseSettings.outboxShards): the writer stamps rows with it. */
export const OUTBOX_SHARDS = Symbol('OUTBOX_SHARDS');

/**
 * The shard of a message key: FNV-1a (32 bits) over its UTF-8 bytes, modulo the shard count.
 * Stable across processes and versions (written into the row at insert, read by every relay),
 * and cheap; it need not resist anyone choosing keys, the keys are the hub's own UUIDs.
 */
export function outboxShardOf(messageKey: string, shards: number): number {
  let hash = 0x811c9dc5;
  for (const byte of Buffer.from(messageKey, 'utf8')) {
    hash ^= byte;
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash % shards;
}

/** What one relay sees of the shards' leases: its own id, the relays running, who holds which shard. */
export interface ShardSurvey {
  /** This relay's id (the backend pid of its lease connection). */
  self: number;
  /** Every running relay, this one included. */
  relays: readonly number[];
  /** The holder of each shard whose lease is taken. */
  holders: ReadonlyMap<number, number>;
}

export interface ShardPlan {
  /** Free shards this relay should take. */
  acquire: number[];
  /** Shards this relay holds but another relay should have: given up between two drains. */
  release: number[];
  /** Shards meant for this relay are still held by another, about to give them up: look again soon. */
  waiting: boolean;
}

/**
 * Which shards this relay takes and gives up, so that the relays split them evenly (shard s goes to
 * the (s mod R)-th relay by id: each holds the floor or the ceiling of shards / R) and a relay that
 * stops (its lease connection closed, its locks gone with it) leaves its shards to the others at
 * their next round. Every relay computes the same split from the same survey; a shard changes hands
 * only once its holder has released it, never taken from it.
 */
export function planShardLeases(shards: number, survey: ShardSurvey): ShardPlan {
  const relays = [...new Set([...survey.relays, survey.self])].sort((a, b) => a - b);
  const plan: ShardPlan = { acquire: [], release: [], waiting: false };
  for (let shard = 0; shard < shards; shard += 1) {
    const mine = relays[shard % relays.length] === survey.self;
    const holder = survey.holders.get(shard);
    if (mine && holder === undefined) plan.acquire.push(shard);
    else if (mine && holder !== survey.self) plan.waiting = true;
    else if (!mine && holder === survey.self) plan.release.push(shard);
  }
  return plan;
}
