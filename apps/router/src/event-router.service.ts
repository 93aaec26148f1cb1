import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Consumer, EachBatchPayload, Kafka, KafkaMessage as ConsumedMessage } from 'kafkajs';
import {
  decodeKafkaMessage,
  encodeKafkaMessage,
  type HubCloudEvent,
  type PublishedRecord,
  REGIONAL_TOPIC_SPEC,
  regionalTopic,
  ROUTER_DEAD_LETTER_TOPIC,
  TOPICS,
  WCO_REGIONS,
} from '@hub/contracts';
import { eventFactsOf, mayRead, regionalStreamRegions } from '@hub/matching';
import { ensureTopics, EventPublisher, KAFKA, type OutgoingMessage, waitForLeaders } from '@hub/messaging';
import {
  type AuditEntry,
  AuditTrail,
  DELIVERY_CHANNEL,
  FEED_CHANNEL,
  FeedStore,
  type FeedMatch,
} from '@hub/persistence';
import { HubMetrics, type HealthIndicator, type HealthState } from '@hub/platform';
import { RouterConfig } from './router.config';
import { SubscriptionDirectory } from './subscription-directory';

export { ROUTER_DEAD_LETTER_TOPIC };

const FOLLOWS_RECORD = /\.(updated|withdrawn)$/;
const MAX_RESTART_DELAY_MS = 30_000;

/**
 * Consumes the canonical topics as one consumer group (router instances split
 * the partitions and take over a crashed one's), and for each event:
 * - appends it to the feed of every subscription whose filter accepts it and
 *   whose organization may read it (plus, for updates and withdrawals, every
 *   subscription that received an earlier version and may still read it);
 * - republishes it on the regional stream of every concerned region whose RILOs may read it.
 * Offsets are committed only after both, so a crash repeats work but loses none;
 * feed entries are unique per (subscription, event), so a repeat delivers nothing twice.
 *
 * Each regional publication is audited once the broker has acknowledged it and before the
 * offsets are committed: an entry never claims a publication that did not happen, and a crash
 * in between repeats the batch, publishing and auditing again. The entries are unique per
 * (regional topic, event), so the repeat adds no second entry (the topic itself may then carry
 * the event twice, as any at-least-once delivery; consumers dedupe on the CloudEvent id).
 */
@Injectable()
export class EventRouter implements OnApplicationBootstrap, OnApplicationShutdown, HealthIndicator {
  readonly name = 'router';
  private readonly logger = new Logger(EventRouter.name);
  private readonly publisher: EventPublisher;
  private consumer: Consumer | null = null;
  private lastError: string | null = null;
  private crashesInARow = 0;
  private restartTimer: NodeJS.Timeout | null = null;
  private stopping = false;
  private assigned = 0;
  private markReady: () => void = () => undefined;
  /** Settles once this instance has joined the group and started fetching its partitions. */
  readonly ready = new Promise<void>((resolve) => (this.markReady = resolve));
  private readonly routed;
  private readonly matched;
  private readonly deadLettered;

  constructor(
    @Inject(KAFKA) private readonly kafka: Kafka,
    private readonly directory: SubscriptionDirectory,
    private readonly feeds: FeedStore,
    private readonly trail: AuditTrail,
    @Inject(RouterConfig) private readonly config: RouterConfig,
    metrics: HubMetrics,
  ) {
    this.publisher = new EventPublisher(kafka);
    this.routed = metrics.counter('hub_router_events_total', 'Events routed', ['type']);
    this.matched = metrics.counter('hub_router_matches_total', 'Feed entries appended (new matches)');
    this.deadLettered = metrics.counter('hub_router_dead_letters_total', 'Undecodable events set aside');
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.ensureTopics();
    await this.waitForCanonicalTopics();
    if (this.config.ROUTER_START_FROM === 'latest') await this.startGroupAtEnd();
    await this.directory.refresh();
    this.logger.log({ msg: 'subscriptions loaded', subscriptions: this.directory.size });
    await this.publisher.connect();
    await this.startConsumer();
  }

  /**
   * Joins the router group with a new consumer. kafkajs restarts a consumer itself only after a
   * retriable error; after any other crash (a group coordinator not found while the broker
   * restarts, a publication the broker refuses) it stays disconnected for good, so a new one is
   * started here after a backoff. Until it has joined, health says why the router is down.
   */
  private async startConsumer(): Promise<void> {
    const consumer = this.kafka.consumer({
      groupId: this.config.ROUTER_GROUP_ID,
      sessionTimeout: 30_000,
      heartbeatInterval: 3_000,
      maxWaitTimeInMs: 100,
      retry: { retries: 10, initialRetryTime: 300, maxRetryTime: 10_000 },
      // The canonical topics are the relay's, with their partition count: never auto-created here.
      allowAutoTopicCreation: false,
    });
    this.consumer = consumer;
    consumer.on(consumer.events.GROUP_JOIN, (event) => {
      // Back in the group after a crash (a broker outage, a coordinator move): healthy again.
      this.lastError = null;
      this.assigned = Object.values(event.payload.memberAssignment).reduce(
        (sum, partitions) => sum + partitions.length,
        0,
      );
      this.logger.log({ msg: 'joined the router group', partitions: event.payload.memberAssignment });
    });
    consumer.on(consumer.events.FETCH_START, () => this.markReady());
    consumer.on(consumer.events.CRASH, (event) => {
      this.lastError = String(event.payload.error);
      this.assigned = 0;
      if (event.payload.restart) {
        // Retriable (a coordinator still loading at a cold start, a broker restart): kafkajs restarts it.
        this.logger.warn({ msg: 'router consumer restarting', err: this.lastError, restart: true });
        return;
      }
      const delayMs = this.restartDelayMs();
      this.logger.error({
        msg: 'router consumer crashed; starting a new one',
        err: this.lastError,
        restart: false,
        inMs: delayMs,
      });
      this.replaceLater(consumer, delayMs);
    });
    await consumer.connect();
    await consumer.subscribe({
      topics: [TOPICS.alerts, TOPICS.seizures],
      fromBeginning: this.config.ROUTER_START_FROM === 'earliest',
    });
    // A replacement still connecting when the router shuts down must not start consuming after it.
    if (this.stopping) {
      await consumer.disconnect();
      return;
    }
    await consumer.run({ eachBatchAutoResolve: false, eachBatch: (payload) => this.routeBatch(payload) });
  }

  /** 1 s, doubling up to 30 s while crashes follow one another; reset by a routed batch. */
  private restartDelayMs(): number {
    const delayMs = Math.min(MAX_RESTART_DELAY_MS, 1_000 * 2 ** Math.min(this.crashesInARow, 5));
    this.crashesInARow += 1;
    return delayMs;
  }

  private replaceLater(crashed: Consumer, delayMs: number): void {
    if (this.stopping || this.consumer !== crashed) return;
    this.restartTimer = setTimeout(() => {
      this.restartTimer = null;
      if (this.stopping || this.consumer !== crashed) return;
      void crashed
        .disconnect()
        .catch(() => undefined)
        .then(() => this.startConsumer())
        .catch((error: unknown) => {
          // Not even connected (the broker is still away): try again later, still unhealthy.
          this.lastError = String(error);
          this.logger.error({ msg: 'router consumer did not start', err: this.lastError });
          this.replaceLater(this.consumer ?? crashed, this.restartDelayMs());
        });
    }, delayMs);
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopping = true;
    if (this.restartTimer) clearTimeout(this.restartTimer);
    await this.consumer?.disconnect();
    await this.publisher.disconnect();
  }

  check(): Promise<HealthState> {
    const detail = `${this.directory.size} subscriptions, ${this.assigned} partitions assigned`;
    return Promise.resolve({
      up: this.consumer !== null && this.lastError === null,
      detail: this.lastError ? `${detail}; last error: ${this.lastError}` : detail,
    });
  }

  private async ensureTopics(): Promise<void> {
    const admin = this.kafka.admin();
    try {
      await admin.connect();
      await ensureTopics(
        admin,
        [
          ...WCO_REGIONS.map((region) => ({ topic: regionalTopic(region), ...REGIONAL_TOPIC_SPEC })),
          { topic: ROUTER_DEAD_LETTER_TOPIC, partitions: 1, retentionMs: REGIONAL_TOPIC_SPEC.retentionMs },
        ],
        this.config.KAFKA_REPLICATION_FACTOR,
      );
    } finally {
      await admin.disconnect();
    }
  }

  /**
   * The relay creates the canonical topics with their partition count. A router started first
   * (a cold start launches every service at once) must not subscribe before they exist: the
   * broker would auto-create them with one partition, for good. Waits without a deadline, as a
   * standby would; health says why it is not up yet.
   */
  private async waitForCanonicalTopics(): Promise<void> {
    const canonical = [TOPICS.alerts, TOPICS.seizures];
    const admin = this.kafka.admin();
    try {
      await admin.connect();
      for (let attempt = 0; ; attempt++) {
        // listTopics asks for every topic's metadata by name of none: it creates nothing.
        const existing = new Set(await admin.listTopics());
        const missing = canonical.filter((topic) => !existing.has(topic));
        if (missing.length === 0) break;
        if (attempt === 0) {
          this.lastError = `waiting for the relay to create ${missing.join(', ')}`;
          this.logger.log({ msg: 'waiting for the canonical topics', missing });
        }
        await sleep(250);
      }
      // Listed is not yet led: offsets can be read once every partition has a leader.
      await waitForLeaders(admin, canonical);
      this.lastError = null;
    } finally {
      await admin.disconnect();
    }
  }

  /**
   * A new group that starts "from now" commits the current end of every canonical partition
   * before anyone consumes: otherwise a partition that one instance never read would start at
   * whatever "latest" is when another instance takes it over, skipping what came in between.
   */
  private async startGroupAtEnd(): Promise<void> {
    const admin = this.kafka.admin();
    try {
      await admin.connect();
      for (const topic of [TOPICS.alerts, TOPICS.seizures]) {
        const [committed] = await admin.fetchOffsets({
          groupId: this.config.ROUTER_GROUP_ID,
          topics: [topic],
        });
        if (committed?.partitions.some((partition) => partition.offset !== '-1')) continue;
        const ends = await admin.fetchTopicOffsets(topic);
        try {
          await admin.setOffsets({
            groupId: this.config.ROUTER_GROUP_ID,
            topic,
            partitions: ends.map((partition) => ({ partition: partition.partition, offset: partition.high })),
          });
        } catch (error) {
          // Instances started together: another one set the group's start and joined first (a member
          // joins only after doing this for both topics), and Kafka refuses setOffsets on a running group.
          if (error instanceof Error && /no running instances/.test(error.message)) return;
          throw error;
        }
      }
    } finally {
      await admin.disconnect();
    }
  }

  private async routeBatch(payload: EachBatchPayload): Promise<void> {
    const { batch } = payload;
    if (batch.messages.length === 0 || !payload.isRunning() || payload.isStale()) return;
    await this.directory.refresh();
    const events: HubCloudEvent<PublishedRecord>[] = [];
    const outgoing: OutgoingMessage[] = [];
    for (const message of batch.messages) {
      const event = this.decode(batch.topic, message, outgoing);
      if (event) events.push(event);
    }
    const prior = await this.feeds.priorRecipients(
      events.filter((event) => FOLLOWS_RECORD.test(event.type)).map((event) => event.subject),
    );
    const matches: FeedMatch[] = [];
    const publications: AuditEntry[] = [];
    for (const event of events) {
      // Earlier versions of this record in the same batch count as received too.
      const received = prior.get(event.subject) ?? [];
      const facts = eventFactsOf(event.data);
      const targets = new Set(this.directory.index.match(facts));
      if (FOLLOWS_RECORD.test(event.type)) {
        for (const id of received) {
          const subscription = this.directory.get(id);
          if (subscription && mayRead(subscription.subscriber, facts.audience)) targets.add(id);
        }
      }
      prior.set(event.subject, [...new Set([...received, ...targets])]);
      for (const id of targets) {
        const subscription = this.directory.get(id);
        if (!subscription) continue;
        matches.push({
          subscriptionId: id,
          webhook: subscription.webhook,
          eventId: event.id,
          recordId: event.subject,
          eventType: event.type,
          event: event as unknown as Record<string, unknown>,
        });
      }
      const encoded = encodeKafkaMessage(event);
      for (const region of regionalStreamRegions(facts)) {
        const topic = regionalTopic(region);
        outgoing.push({ topic, ...encoded });
        publications.push({
          action: 'regional-stream.published',
          actor: { type: 'service', code: 'router' },
          resourceType: 'regional-stream',
          resourceId: topic,
          recordIds: [event.subject],
          eventIds: [event.id],
          detail: { eventType: event.type, version: event.data.version, handling: event.data.handling },
          dedupeKey: `regional-stream:${topic}:${event.id}`,
        });
      }
      this.routed.inc({ type: event.type });
    }
    const channels = matches.some((match) => match.webhook)
      ? [FEED_CHANNEL, DELIVERY_CHANNEL]
      : [FEED_CHANNEL];
    const appended = await this.feeds.append(matches, channels);
    this.matched.inc(appended);
    if (outgoing.length > 0) await this.publisher.publish(outgoing);
    await this.trail.append(publications);
    payload.resolveOffset(batch.messages[batch.messages.length - 1].offset);
    await payload.commitOffsetsIfNecessary();
    await payload.heartbeat();
    this.lastError = null;
    this.crashesInARow = 0;
  }

  /** Decodes and validates an event; a poison message is set aside on the dead-letter topic. */
  private decode(
    topic: string,
    message: ConsumedMessage,
    outgoing: OutgoingMessage[],
  ): HubCloudEvent<PublishedRecord> | null {
    try {
      return decodeKafkaMessage(message);
    } catch (error) {
      this.deadLettered.inc();
      const reason = error instanceof Error ? error.message : String(error);
      this.logger.warn({ msg: 'undecodable event set aside', topic, offset: message.offset, reason });
      outgoing.push({
        topic: ROUTER_DEAD_LETTER_TOPIC,
        key: message.key?.toString() ?? 'unknown',
        value: message.value ?? '',
        headers: {
          'hub-source-topic': topic,
          'hub-source-offset': message.offset,
          'hub-error': reason.slice(0, 500),
        },
      });
      return null;
    }
  }
}
