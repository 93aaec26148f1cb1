import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import type { Kafka } from 'kafkajs';
import { encodeKafkaMessageWithData, ProvenanceKey, ProvenanceSigner, topicsWrittenBy } from '@hub/contracts';
import { ensureTopics, EventPublisher, KAFKA } from '@hub/messaging';
import {
  NotificationListener,
  OUTBOX_CHANNEL,
  type OutboxBatch,
  OutboxLease,
  type OutboxPosition,
  OutboxReader,
  type OutboxRow,
} from '@hub/persistence';
import { HubMetrics, type HealthIndicator, type HealthState } from '@hub/platform';
import { RelayConfig } from './relay.config';

const MAX_BACKOFF_MS = 10_000;

/** The promise, with its rejection marked handled: it is awaited later, maybe after it failed. */
function handled<T>(promise: Promise<T>): Promise<T> {
  promise.catch(() => undefined);
  return promise;
}

/** Waits for a promise to settle, whatever its outcome. */
async function settled(promise: Promise<unknown> | null): Promise<void> {
  await promise?.catch(() => undefined);
}
/**
 * Rows can be held back behind an older transaction that has not finished (reads stay below
 * the snapshot's xmin), and that transaction may send no NOTIFY of its own: the relay looks
 * again after these delays rather than wait for its poll.
 */
const HELD_BACK_RETRIES_MS = [5, 10, 20, 40, 80, 160];

/**
 * Publishes the outbox to the canonical topics. Woken by LISTEN/NOTIFY, polling
 * as a fallback; one batch at a time, marked published only after Kafka
 * acknowledged it with acks=all, so a crash or a broker outage delays events but
 * never loses them. A crash between the acknowledgment and the mark republishes
 * that batch: consumers dedupe on the CloudEvent id.
 */
@Injectable()
export class OutboxRelay implements OnApplicationBootstrap, OnApplicationShutdown, HealthIndicator {
  readonly name = 'relay';
  private readonly logger = new Logger(OutboxRelay.name);
  private readonly publisher: EventPublisher;
  /** Signs each message so that the router can tell the relay's events from anyone else's. */
  private readonly signer: ProvenanceSigner;
  private readonly wakeup: NotificationListener;
  private readonly lease: OutboxLease;
  private pollTimer: NodeJS.Timeout | null = null;
  private retryTimer: NodeJS.Timeout | null = null;
  private heldBackRetry = 0;
  private draining: Promise<void> | null = null;
  private wakeAgain = false;
  private stopped = false;
  private failures = 0;
  /** The last row this leader read (sent, or being sent); reads seek past it (see OutboxReader). */
  private position: OutboxPosition | null = null;
  private lastError: string | null = null;
  private readonly published;
  private readonly errors;
  private readonly lag;

  constructor(
    @Inject(KAFKA) private readonly kafka: Kafka,
    private readonly outbox: OutboxReader,
    @Inject(RelayConfig) private readonly config: RelayConfig,
    metrics: HubMetrics,
  ) {
    this.publisher = new EventPublisher(kafka);
    this.signer = new ProvenanceSigner(ProvenanceKey.fromBase64(config.HUB_EVENT_SIGNING_KEY));
    this.wakeup = new NotificationListener(
      config.DATABASE_URL,
      OUTBOX_CHANNEL,
      () => this.wake(),
      (error) => this.logger.warn({ msg: 'outbox LISTEN connection lost; reconnecting', err: error.message }),
    );
    this.lease = new OutboxLease(config.DATABASE_URL);
    this.published = metrics.counter('hub_relay_published_total', 'Outbox events published to Kafka', [
      'topic',
    ]);
    this.errors = metrics.counter('hub_relay_publish_errors_total', 'Failed publish attempts');
    this.lag = metrics.histogram(
      'hub_relay_lag_seconds',
      'From outbox write to Kafka acknowledgment',
      [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 5, 30],
    );
  }

  async onApplicationBootstrap(): Promise<void> {
    const admin = this.kafka.admin();
    try {
      await admin.connect();
      const created = await ensureTopics(
        admin,
        topicsWrittenBy('relay').map((spec) => ({
          ...spec,
          partitions: this.config.CANONICAL_TOPIC_PARTITIONS,
        })),
        this.config.KAFKA_REPLICATION_FACTOR,
      );
      if (created.length) this.logger.log({ msg: 'created canonical topics', topics: created });
      this.logger.log({ msg: 'signing canonical events', keyId: this.signer.keyId });
    } finally {
      await admin.disconnect();
    }
    await this.wakeup.start();
    this.pollTimer = setInterval(() => this.wake(), this.config.RELAY_POLL_INTERVAL_MS);
    this.wake();
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    if (this.pollTimer) clearInterval(this.pollTimer);
    if (this.retryTimer) clearTimeout(this.retryTimer);
    await this.draining;
    await this.wakeup.stop();
    await this.lease.release();
    await this.publisher.disconnect();
  }

  async check(): Promise<HealthState> {
    const backlog = await this.outbox.backlog();
    const detail = `${backlog.pending} pending, oldest ${backlog.oldestSeconds.toFixed(1)} s, ${
      this.lease.isHeld ? 'leader' : 'standby'
    }, ${this.wakeup.listening ? 'listening' : 'polling only'}`;
    return {
      up: this.failures === 0,
      detail: this.lastError ? `${detail}; last error: ${this.lastError}` : detail,
    };
  }

  /** Starts a drain (sooner than a pending retry), or asks the running one to go round once more. */
  wake(): void {
    if (this.stopped) return;
    if (this.draining) {
      this.wakeAgain = true;
      return;
    }
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = null;
    // This drain sees everything committed before it starts.
    this.wakeAgain = false;
    this.draining = this.drain()
      .catch((error: unknown) => {
        this.logger.error({
          msg: 'outbox drain failed',
          err: error instanceof Error ? error.message : String(error),
        });
        return { heldBack: false };
      })
      .then((outcome) => this.afterDrain(outcome.heldBack));
  }

  private afterDrain(heldBack: boolean): void {
    this.draining = null;
    if (this.stopped) return;
    if (this.wakeAgain) {
      this.wakeAgain = false;
      this.wake();
      return;
    }
    // Rows wait behind an older transaction: look again shortly, a few times, then leave them to the poll.
    const retry = HELD_BACK_RETRIES_MS[this.heldBackRetry];
    if (!heldBack || retry === undefined) {
      this.heldBackRetry = 0;
      return;
    }
    this.heldBackRetry += 1;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      this.wake();
    }, retry);
  }

  /**
   * Publishes what is visible, batch after batch; answers whether rows were left held back.
   * Pipelined: the next batch is read, and the previous one marked, while Kafka acknowledges the
   * current one. Batches are still sent one at a time, in order, and a row is marked only after
   * its acknowledgment; a crash leaves at most two acknowledged batches unmarked, republished
   * from the first of them, in order (consumers dedupe on the CloudEvent id).
   */
  private async drain(): Promise<{ heldBack: boolean }> {
    // The read of the next batch, started while the current one is sent.
    let reading: Promise<OutboxBatch> | null = null;
    // The mark of the batch sent last, running while the next one is sent; one at a time.
    let marking: Promise<void> = Promise.resolve();
    try {
      for (;;) {
        if (this.stopped) {
          await marking;
          return { heldBack: false };
        }
        // Checked before every batch: a lease lost with its connection stops this instance publishing.
        // A standby, or a leader that emptied the outbox, has no failure left to report.
        const leading = this.lease.isHeld;
        if (!(await this.lease.tryAcquire())) {
          await marking;
          this.succeeded();
          return { heldBack: false };
        }
        if (!leading) {
          // A new leadership starts reading from the first row not marked.
          await settled(reading);
          reading = null;
          await marking;
          this.position = null;
        }
        const next: OutboxBatch = await (reading ??
          this.outbox.nextBatch(this.config.RELAY_BATCH_SIZE, this.position));
        const { rows: batch, heldBack } = next;
        reading = null;
        if (batch.length === 0) {
          await marking;
          this.succeeded();
          return { heldBack };
        }
        const last = batch[batch.length - 1];
        this.position = { txId: last.txId, id: last.id };
        // A short batch was everything visible: what commits next wakes the relay (or its poll finds it).
        const full = batch.length === this.config.RELAY_BATCH_SIZE;
        // The read seeks past the position, so it needs neither this batch's acknowledgment nor its mark.
        if (full) reading = handled(this.outbox.nextBatch(this.config.RELAY_BATCH_SIZE, this.position));
        await this.publish(batch);
        await marking;
        marking = handled(this.outbox.markPublished(batch.map((row) => row.id)));
        this.succeeded();
        if (!full) {
          await marking;
          return { heldBack };
        }
      }
    } catch (error) {
      await settled(reading);
      await settled(marking);
      await this.recover(error);
      return { heldBack: false };
    }
  }

  private succeeded(): void {
    this.failures = 0;
    this.lastError = null;
  }

  private async publish(batch: OutboxRow[]): Promise<void> {
    await this.publisher.publish(
      batch.map((row) => ({
        topic: row.topic,
        ...this.signer.sign(row.topic, encodeKafkaMessageWithData(row.attributes, row.data)),
      })),
    );
    const now = Date.now();
    const perTopic = new Map<string, number>();
    for (const row of batch) {
      perTopic.set(row.topic, (perTopic.get(row.topic) ?? 0) + 1);
      this.lag.observe((now - row.createdAt.getTime()) / 1000);
    }
    for (const [topic, count] of perTopic) this.published.inc({ topic }, count);
  }

  /** Backs off exponentially and starts a fresh producer: after an outage the old session may be unusable. */
  private async recover(error: unknown): Promise<void> {
    this.failures += 1;
    this.position = null;
    this.errors.inc();
    this.lastError = error instanceof Error ? error.message : String(error);
    const delay = Math.min(MAX_BACKOFF_MS, 250 * 2 ** Math.min(this.failures, 6));
    this.logger.warn({
      msg: 'publishing the outbox failed; will retry',
      err: this.lastError,
      retryInMs: delay,
    });
    await this.publisher.reset();
    await new Promise((resolve) => setTimeout(resolve, delay));
    this.wakeAgain = true;
  }
}
