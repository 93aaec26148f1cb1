import { Inject, Injectable, Logger } from '@nestjs/common';
import type { Kafka } from 'kafkajs';
import { ProvenanceKey, ProvenanceSigner, topicsWrittenBy } from '@hub/contracts';
import { EventPublisher, KAFKA, provisionTopics } from '@hub/messaging';
import { NotificationListener, OUTBOX_CHANNEL, OutboxLease, OutboxReader } from '@hub/persistence';
import { Backoff, HubMetrics, type BackgroundWorker, type HealthState, WakeLoop } from '@hub/platform';
import { OutboxDrain } from './outbox-drain';
import { RelayConfig } from './relay.config';

/**
 * Publishes the outbox to the canonical topics. Woken by LISTEN/NOTIFY, polling as a fallback
 * (the wake-up loop runs one drain at a time); rows are marked published only after Kafka
 * acknowledged them with acks=all, so a crash or a broker outage delays events but never loses
 * them. A crash between the acknowledgment and the mark republishes that batch: consumers dedupe
 * on the CloudEvent id.
 */
@Injectable()
export class OutboxRelay implements BackgroundWorker {
  readonly name = 'relay';
  private readonly logger = new Logger(OutboxRelay.name);
  private readonly publisher: EventPublisher;
  private readonly signer: ProvenanceSigner;
  private readonly lease: OutboxLease;
  private readonly drain: OutboxDrain;
  private readonly loop: WakeLoop;
  private readonly wakeup: NotificationListener;

  constructor(
    @Inject(KAFKA) private readonly kafka: Kafka,
    private readonly outbox: OutboxReader,
    @Inject(RelayConfig) private readonly config: RelayConfig,
    metrics: HubMetrics,
  ) {
    this.publisher = new EventPublisher(kafka);
    this.signer = new ProvenanceSigner(ProvenanceKey.fromBase64(config.HUB_EVENT_SIGNING_KEY));
    this.lease = new OutboxLease(config.DATABASE_URL);
    this.drain = new OutboxDrain({
      outbox,
      lease: this.lease,
      publisher: this.publisher,
      signer: this.signer,
      batchSize: config.RELAY_BATCH_SIZE,
      metrics,
    });
    const errors = metrics.counter('hub_relay_publish_errors_total', 'Failed publish attempts');
    this.loop = new WakeLoop({
      round: () => this.drain.drain(),
      pollIntervalMs: config.RELAY_POLL_INTERVAL_MS,
      backoff: new Backoff({ initialMs: 500, maxMs: 10_000 }),
      onFailure: async (error, retryInMs) => {
        errors.inc();
        this.logger.warn({
          msg: 'publishing the outbox failed; will retry',
          err: error instanceof Error ? error.message : String(error),
          retryInMs,
        });
        // After an outage the old producer session may be unusable, and the position unsure.
        this.drain.forgetPosition();
        await this.publisher.reset();
      },
    });
    this.wakeup = new NotificationListener(
      config.DATABASE_URL,
      OUTBOX_CHANNEL,
      () => this.loop.wake(),
      (error) => this.logger.warn({ msg: 'outbox LISTEN connection lost; reconnecting', err: error.message }),
    );
  }

  async onApplicationBootstrap(): Promise<void> {
    const created = await provisionTopics(
      this.kafka,
      topicsWrittenBy('relay').map((spec) => ({
        ...spec,
        partitions: this.config.CANONICAL_TOPIC_PARTITIONS,
      })),
      this.config.KAFKA_REPLICATION_FACTOR,
    );
    if (created.length) this.logger.log({ msg: 'created canonical topics', topics: created });
    this.logger.log({ msg: 'signing canonical events', keyId: this.signer.keyId });
    await this.wakeup.start();
    this.loop.start();
  }

  async onApplicationShutdown(): Promise<void> {
    this.drain.halt();
    await this.loop.stop();
    await this.wakeup.stop();
    await this.lease.release();
    await this.publisher.disconnect();
  }

  async check(): Promise<HealthState> {
    const backlog = await this.outbox.backlog();
    const detail = `${backlog.pending} pending, oldest ${backlog.oldestSeconds.toFixed(1)} s, ${
      this.lease.isHeld ? 'leader' : 'standby'
    }, ${this.wakeup.listening ? 'listening' : 'polling only'}`;
    const failure = this.loop.lastFailure;
    return { up: failure === null, detail: failure ? `${detail}; last error: ${failure}` : detail };
  }
}
