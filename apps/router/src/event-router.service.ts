import { Inject, Injectable, Logger } from '@nestjs/common';
import type { Kafka } from 'kafkajs';
import { ProvenanceKey, ProvenanceVerifier, TOPICS, topicsWrittenBy } from '@hub/contracts';
import {
  awaitTopics,
  EventPublisher,
  KAFKA,
  provisionTopics,
  startGroupAtEnd,
  SupervisedConsumer,
} from '@hub/messaging';
import { AuditTrail, FeedStore } from '@hub/persistence';
import { HubMetrics, type BackgroundWorker, type HealthState } from '@hub/platform';
import { BatchRouter } from './batch-router';
import { CanonicalEventIntake } from './canonical-event-intake';
import { RouterConfig } from './router.config';
import { SubscriptionDirectory } from './subscription-directory';

export { UNVERIFIED_PROVENANCE } from './canonical-event-intake';

const CANONICAL_TOPICS = [TOPICS.alerts, TOPICS.seizures];

/**
 * Consumes the canonical topics as one consumer group (router instances split the partitions
 * and take over a crashed one's) and routes each batch (see BatchRouter): feeds, regional
 * streams, audit. The group member is supervised: replaced after a crash kafkajs does not recover from.
 */
@Injectable()
export class EventRouter implements BackgroundWorker {
  readonly name = 'router';
  /** Settles once this instance has joined the group and started fetching its partitions. */
  readonly ready: Promise<void>;
  private readonly logger = new Logger(EventRouter.name);
  private readonly publisher: EventPublisher;
  private readonly consumer: SupervisedConsumer;

  constructor(
    @Inject(KAFKA) private readonly kafka: Kafka,
    private readonly directory: SubscriptionDirectory,
    feeds: FeedStore,
    trail: AuditTrail,
    @Inject(RouterConfig) private readonly config: RouterConfig,
    metrics: HubMetrics,
  ) {
    this.publisher = new EventPublisher(kafka);
    // Proves each message was published by the relay before anything in it is trusted.
    const provenance = new ProvenanceVerifier([
      ProvenanceKey.fromBase64(config.HUB_EVENT_SIGNING_KEY),
      ...ProvenanceKey.listFromBase64(config.HUB_EVENT_SIGNING_KEY_PREVIOUS),
    ]);
    const router = new BatchRouter({
      intake: new CanonicalEventIntake(provenance, metrics),
      directory,
      feeds,
      trail,
      publisher: this.publisher,
      metrics,
    });
    this.consumer = new SupervisedConsumer(kafka, {
      name: 'router',
      groupId: config.ROUTER_GROUP_ID,
      topics: CANONICAL_TOPICS,
      fromBeginning: config.ROUTER_START_FROM === 'earliest',
      partitionsConcurrently: config.ROUTER_PARTITIONS_CONCURRENTLY,
      commitIntervalMs: config.ROUTER_OFFSET_COMMIT_INTERVAL_MS,
      consumer: { maxWaitTimeInMs: 100 },
      eachBatch: (payload) => router.route(payload),
    });
    this.ready = this.consumer.ready;
  }

  async onApplicationBootstrap(): Promise<void> {
    await provisionTopics(this.kafka, topicsWrittenBy('router'), this.config.KAFKA_REPLICATION_FACTOR);
    // The relay creates the canonical topics with their partition count; health says why the router waits.
    await awaitTopics(this.kafka, CANONICAL_TOPICS, {
      onMissing: (missing) => {
        this.consumer.reportWaiting(`waiting for the relay to create ${missing.join(', ')}`);
        this.logger.log({ msg: 'waiting for the canonical topics', missing });
      },
    });
    this.consumer.reportWaiting(null);
    if (this.config.ROUTER_START_FROM === 'latest') {
      await startGroupAtEnd(this.kafka, this.config.ROUTER_GROUP_ID, CANONICAL_TOPICS);
    }
    await this.directory.refresh();
    this.logger.log({ msg: 'subscriptions loaded', subscriptions: this.directory.size });
    await this.publisher.connect();
    await this.consumer.start();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.consumer.stop();
    await this.publisher.disconnect();
  }

  check(): Promise<HealthState> {
    const { up, partitions, lastError } = this.consumer.health();
    const detail = `${this.directory.size} subscriptions, ${partitions} partitions assigned`;
    return Promise.resolve({ up, detail: lastError ? `${detail}; last error: ${lastError}` : detail });
  }
}
