import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import type { Kafka } from 'kafkajs';
import { encodeKafkaMessage, type HubCloudEvent, TOPICS } from '@hub/contracts';
import { ensureTopics, EventPublisher, KAFKA } from '@hub/messaging';
import {
  NotificationListener,
  OUTBOX_CHANNEL,
  OutboxLease,
  OutboxReader,
  type OutboxRow,
} from '@hub/persistence';
import { HubMetrics, type HealthIndicator, type HealthState } from '@hub/platform';
import { RelayConfig } from './relay.config';

const MAX_BACKOFF_MS = 10_000;

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
  private readonly wakeup: NotificationListener;
  private readonly lease: OutboxLease;
  private pollTimer: NodeJS.Timeout | null = null;
  private draining: Promise<void> | null = null;
  private wakeAgain = false;
  private stopped = false;
  private failures = 0;
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
        [TOPICS.alerts, TOPICS.seizures].map((topic) => ({
          topic,
          partitions: this.config.CANONICAL_TOPIC_PARTITIONS,
          retentionMs: -1,
        })),
        this.config.KAFKA_REPLICATION_FACTOR,
      );
      if (created.length) this.logger.log({ msg: 'created canonical topics', topics: created });
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

  /** Starts a drain, or asks the running one to go round once more. */
  wake(): void {
    if (this.stopped) return;
    if (this.draining) {
      this.wakeAgain = true;
      return;
    }
    this.draining = this.drain().finally(() => {
      this.draining = null;
      if (this.wakeAgain && !this.stopped) {
        this.wakeAgain = false;
        this.wake();
      }
    });
  }

  private async drain(): Promise<void> {
    if (!(await this.lease.tryAcquire())) return;
    for (;;) {
      if (this.stopped) return;
      let batch: OutboxRow[];
      try {
        batch = await this.outbox.nextBatch(this.config.RELAY_BATCH_SIZE);
        if (batch.length === 0) return;
        await this.publish(batch);
        await this.outbox.markPublished(batch.map((row) => row.id));
        this.failures = 0;
        this.lastError = null;
      } catch (error) {
        await this.recover(error);
        return;
      }
    }
  }

  private async publish(batch: OutboxRow[]): Promise<void> {
    await this.publisher.publish(
      batch.map((row) => ({
        topic: row.topic,
        ...encodeKafkaMessage(row.event as unknown as HubCloudEvent),
      })),
    );
    const now = Date.now();
    for (const row of batch) {
      this.published.inc({ topic: row.topic });
      this.lag.observe((now - row.createdAt.getTime()) / 1000);
    }
  }

  /** Backs off exponentially and starts a fresh producer: after an outage the old session may be unusable. */
  private async recover(error: unknown): Promise<void> {
    this.failures += 1;
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
