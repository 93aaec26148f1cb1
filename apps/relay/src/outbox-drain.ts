import { encodeKafkaMessageWithData, type ProvenanceSigner } from '@hub/contracts';
import type { OutgoingMessage } from '@hub/messaging';
import type { OutboxBatch, OutboxLease, OutboxPosition, OutboxReader, OutboxRow } from '@hub/persistence';
import type { HubMetrics, RoundOutcome } from '@hub/platform';
import type { Counter, Histogram } from 'prom-client';

/** The promise, with its rejection marked handled: it is awaited later, maybe after it failed. */
function handled<T>(promise: Promise<T>): Promise<T> {
  promise.catch(() => undefined);
  return promise;
}

/** Waits for a promise to settle, whatever its outcome. */
async function settled(promise: Promise<unknown> | null): Promise<void> {
  await promise?.catch(() => undefined);
}

export interface OutboxDrainParts {
  /** The outbox shard this drain publishes, while the lease on it is held. */
  shard: number;
  outbox: OutboxReader;
  lease: OutboxLease;
  /**
   * Sends a batch to Kafka, answering once it is acknowledged. The shards share the relay's one
   * EventPublisher, which sends what they hand it together, never two sends at once.
   */
  send: (messages: readonly OutgoingMessage[]) => Promise<void>;
  /** Signs each message so that the router can tell the relay's events from anyone else's. */
  signer: ProvenanceSigner;
  batchSize: number;
  /** Batches in one drain at most: the relay then looks at the shards' leases again before going on. */
  maxBatches: number;
  meters: RelayMeters;
}

/** The relay's meters, shared by the drains of its shards. */
export interface RelayMeters {
  published: Counter<'topic'>;
  lag: Histogram;
}

export function relayMeters(metrics: HubMetrics): RelayMeters {
  return {
    published: metrics.counter('hub_relay_published_total', 'Outbox events published to Kafka', ['topic']),
    lag: metrics.histogram(
      'hub_relay_lag_seconds',
      'From outbox write to Kafka acknowledgment',
      [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 5, 30],
    ),
  };
}

/** What a drain did: RoundOutcome, and whether it stopped at maxBatches with rows left. */
export interface DrainOutcome extends RoundOutcome {
  more: boolean;
}

/**
 * The relay's domain step for one shard: publishes what the shard holds, in order, batch after
 * batch, while this instance holds the shard's lease. Pipelined: the next batch is read, and the previous one marked,
 * while Kafka acknowledges the current one. Batches are still sent one at a time, in order, and a
 * row is marked only after its acknowledgment; a crash leaves at most two acknowledged batches
 * unmarked, republished from the first of them, in order (consumers dedupe on the CloudEvent id).
 */
export class OutboxDrain {
  /** The last row of the shard this relay read (sent, or being sent); reads seek past it (see OutboxReader). */
  private position: OutboxPosition | null = null;
  private halted = false;

  constructor(private readonly parts: OutboxDrainParts) {}

  /** Ends the running drain after its current batch (at shutdown). */
  halt(): void {
    this.halted = true;
  }

  /** After a failure, or with the shard's lease newly taken, the next drain reads again from the first row not marked. */
  forgetPosition(): void {
    this.position = null;
  }

  /**
   * Publishes what is visible; answers whether rows were left held back behind running
   * transactions and whether any batch went out. Throws when a read, a publish or a mark fails,
   * once the read and mark in flight have settled.
   */
  async drain(): Promise<DrainOutcome> {
    const { shard, outbox, lease, batchSize, maxBatches } = this.parts;
    // The read of the next batch, started while the current one is sent.
    let reading: Promise<OutboxBatch> | null = null;
    // The mark of the batch sent last, running while the next one is sent; one at a time.
    let marking: Promise<void> = Promise.resolve();
    let progressed = false;
    try {
      for (let batches = 0; ; batches += 1) {
        // Checked before every batch: a lease lost with its connection stops this instance publishing.
        if (this.halted || !lease.holds(shard) || batches === maxBatches) {
          await settled(reading);
          await marking;
          return { heldBack: false, progressed, more: batches === maxBatches };
        }
        const { rows: batch, heldBack }: OutboxBatch = await (reading ??
          outbox.nextBatch(shard, batchSize, this.position));
        reading = null;
        if (batch.length === 0) {
          await marking;
          return { heldBack, progressed, more: false };
        }
        const last = batch[batch.length - 1];
        this.position = { txId: last.txId, id: last.id };
        // A short batch was everything visible: what commits next wakes the relay (or its poll finds it).
        const full = batch.length === batchSize;
        // The read seeks past the position, so it needs neither this batch's acknowledgment nor its mark.
        if (full) reading = handled(outbox.nextBatch(shard, batchSize, this.position));
        await this.publish(batch);
        await marking;
        marking = handled(outbox.markPublished(batch.map((row) => row.id)));
        progressed = true;
        if (!full) {
          await marking;
          return { heldBack, progressed, more: false };
        }
      }
    } catch (error) {
      await settled(reading);
      await settled(marking);
      throw error;
    }
  }

  private async publish(batch: OutboxRow[]): Promise<void> {
    const { send, signer } = this.parts;
    await send(
      batch.map((row) => ({
        topic: row.topic,
        ...signer.sign(row.topic, encodeKafkaMessageWithData(row.attributes, row.data)),
      })),
    );
    const now = Date.now();
    const perTopic = new Map<string, number>();
    for (const row of batch) {
      perTopic.set(row.topic, (perTopic.get(row.topic) ?? 0) + 1);
      this.parts.meters.lag.observe((now - row.createdAt.getTime()) / 1000);
    }
    for (const [topic, count] of perTopic) this.parts.meters.published.inc({ topic }, count);
  }
}
