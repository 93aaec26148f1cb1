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
  DEAD_LETTER_TOPICS,
  decodeKafkaMessage,
  encodeKafkaMessage,
  type HubCloudEvent,
  ProvenanceKey,
  ProvenanceVerifier,
  type PublishedRecord,
  ROUTER_DEAD_LETTER_HEADERS,
  regionalTopic,
  TOPICS,
  topicsWrittenBy,
} from '@hub/contracts';
import { type EventFacts, eventFactsOf, mayRead, regionalStreamRegions } from '@hub/matching';
import { ensureTopics, EventPublisher, KAFKA, type OutgoingMessage, waitForLeaders } from '@hub/messaging';
import { type AuditEntry, AuditTrail, FeedStore, type FeedMatch } from '@hub/persistence';
import { HubMetrics, type HealthIndicator, type HealthState } from '@hub/platform';
import { RouterConfig } from './router.config';
import { SubscriptionDirectory } from './subscription-directory';

/** The start of the dead-letter reason of a message the relay did not sign (or that was altered since). */
export const UNVERIFIED_PROVENANCE = 'unverified provenance';

/** A claimed attribute of a refused message, fit for the audit detail: bounded, without control characters. */
function claimed(value: Buffer | string | readonly (Buffer | string)[] | undefined): string | null {
  if (value === undefined) return null;
  const first: Buffer | string = Array.isArray(value)
    ? (value as (Buffer | string)[])[0]
    : (value as Buffer | string);
  // Controls would spoil a log line or an analyst's screen, and jsonb refuses NUL.
  const text = String(first ?? '');
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\u0000-\u001f\u007f-\u009f]/g, '?').slice(0, 200);
}

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
  /** Proves each message was published by the relay before anything in it is trusted. */
  private readonly provenance: ProvenanceVerifier;
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
    this.provenance = new ProvenanceVerifier([
      ProvenanceKey.fromBase64(config.HUB_EVENT_SIGNING_KEY),
      ...ProvenanceKey.listFromBase64(config.HUB_EVENT_SIGNING_KEY_PREVIOUS),
    ]);
    this.routed = metrics.counter('hub_router_events_total', 'Events routed', ['type']);
    this.matched = metrics.counter('hub_router_matches_total', 'Feed entries appended (new matches)');
    this.deadLettered = metrics.counter(
      'hub_router_dead_letters_total',
      'Canonical messages set aside: unverified provenance, or undecodable',
      ['reason'],
    );
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
      await ensureTopics(admin, topicsWrittenBy('router'), this.config.KAFKA_REPLICATION_FACTOR);
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
    const events: HubCloudEvent<PublishedRecord>[] = [];
    const outgoing: OutgoingMessage[] = [];
    const publications: AuditEntry[] = [];
    for (const message of batch.messages) {
      const event = this.decode(batch.topic, batch.partition, message, outgoing, publications);
      if (event) events.push(event);
    }
    const facts = events.map((event) => eventFactsOf(event.data));
    events.forEach((event, index) => {
      const encoded = encodeKafkaMessage(event);
      for (const region of regionalStreamRegions(facts[index])) {
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
    });
    // Reading the subscriptions and writing the matches is one step that a replay never splits.
    const appended = await this.feeds.appendRouted(async () => {
      await this.directory.refresh();
      return this.match(events, facts);
    });
    this.matched.inc(appended);
    if (outgoing.length > 0) await this.publisher.publish(outgoing);
    await this.trail.append(publications);
    payload.resolveOffset(batch.messages[batch.messages.length - 1].offset);
    await payload.commitOffsetsIfNecessary();
    await payload.heartbeat();
    this.lastError = null;
    this.crashesInARow = 0;
  }

  /**
   * The feed entries of a batch: every subscription whose filter accepts an event and whose
   * organization may read it, and for updates and withdrawals every subscription that received an
   * earlier version and may still read it.
   */
  private async match(
    events: readonly HubCloudEvent<PublishedRecord>[],
    facts: readonly EventFacts[],
  ): Promise<FeedMatch[]> {
    const prior = await this.feeds.priorRecipients(
      events.filter((event) => FOLLOWS_RECORD.test(event.type)).map((event) => event.subject),
    );
    const matches: FeedMatch[] = [];
    events.forEach((event, index) => {
      // Earlier versions of this record in the same batch count as received too.
      const received = prior.get(event.subject) ?? [];
      const targets = new Set(this.directory.index.match(facts[index]));
      if (FOLLOWS_RECORD.test(event.type)) {
        for (const id of received) {
          const subscription = this.directory.get(id);
          if (subscription && mayRead(subscription.subscriber, facts[index].audience)) targets.add(id);
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
          recordVersion: event.data.version,
          eventType: event.type,
          event,
        });
      }
    });
    return matches;
  }

  /**
   * Verifies that the relay published the message, then decodes and validates it. A message
   * that fails either is set aside on the dead-letter topic with the reason, and audited as
   * refused; nothing of it is routed.
   */
  private decode(
    topic: string,
    partition: number,
    message: ConsumedMessage,
    outgoing: OutgoingMessage[],
    entries: AuditEntry[],
  ): HubCloudEvent<PublishedRecord> | null {
    const provenance = this.provenance.verify(topic, message);
    if (!provenance.verified) {
      this.setAside(
        topic,
        partition,
        message,
        `${UNVERIFIED_PROVENANCE}: ${provenance.problem}`,
        outgoing,
        entries,
      );
      return null;
    }
    try {
      return decodeKafkaMessage(message);
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      this.setAside(topic, partition, message, reason, outgoing, entries);
      return null;
    }
  }

  /**
   * The dead letter carries the message's key and value with the reason, never its provenance
   * header. The audit entry names what the message claimed, as claims (no record or event id):
   * a forgery about a real record must not read as an access to that record.
   */
  private setAside(
    topic: string,
    partition: number,
    message: ConsumedMessage,
    reason: string,
    outgoing: OutgoingMessage[],
    entries: AuditEntry[],
  ): void {
    const unverified = reason.startsWith(UNVERIFIED_PROVENANCE);
    this.deadLettered.inc({ reason: unverified ? 'provenance' : 'undecodable' });
    this.logger.warn({
      msg: unverified ? 'unverified event refused' : 'undecodable event set aside',
      topic,
      partition,
      offset: message.offset,
      reason,
    });
    outgoing.push({
      topic: DEAD_LETTER_TOPICS.router,
      key: message.key?.toString() ?? 'unknown',
      value: message.value ?? '',
      headers: {
        [ROUTER_DEAD_LETTER_HEADERS.sourceTopic]: topic,
        [ROUTER_DEAD_LETTER_HEADERS.sourcePartition]: String(partition),
        [ROUTER_DEAD_LETTER_HEADERS.sourceOffset]: message.offset,
        [ROUTER_DEAD_LETTER_HEADERS.error]: reason.slice(0, 500),
      },
    });
    const headers = message.headers ?? {};
    entries.push({
      action: 'event.dead-lettered',
      actor: { type: 'service', code: 'router' },
      outcome: 'refused',
      resourceType: 'canonical-event',
      resourceId: `${topic}/${partition}/${message.offset}`,
      detail: {
        reason: reason.slice(0, 500),
        topic,
        partition,
        offset: message.offset,
        claimed: {
          id: claimed(headers.ce_id),
          type: claimed(headers.ce_type),
          source: claimed(headers.ce_source),
          subject: claimed(headers.ce_subject),
          key: message.key ? claimed(message.key) : null,
        },
      },
      dedupeKey: `dead-letter:${topic}:${partition}:${message.offset}`,
    });
  }
}
