import { Inject, Injectable } from '@nestjs/common';
import { performance } from 'node:perf_hooks';
import type { Kafka } from 'kafkajs';
import { ProvenanceKey, ProvenanceSigner, topicsWrittenBy } from '@hub/contracts';
import { EventPublisher, KAFKA, provisionTopics } from '@hub/messaging';
import {
  NotificationListener,
  OUTBOX_CHANNEL,
  OutboxLease,
  OutboxReader,
  planShardLeases,
  shardsWritten,
} from '@hub/persistence';
import { Backoff, HubMetrics, LoopWorker, type RoundOutcome, type WorkerActivity } from '@hub/platform';
import { DueShards } from './due-shards';
import { OutboxDrain, relayMeters } from './outbox-drain';
import { RelayConfig } from './relay.config';

/**
 * Messages in one Kafka request at most when shards' batches go together: a topic partition's share
 * must stay well under the broker's message.max.bytes (1 MiB), as a lone RELAY_BATCH_SIZE batch does.
 */
const MAX_MESSAGES_PER_SEND = 1000;

/** Batches of one shard in one round at most: a long backlog does not keep a newcomer's shards from it. */
const MAX_BATCHES_PER_ROUND = 20;

/**
 * The least time between two surveys of the shards' leases (pg_locks, which takes every lock
 * partition of the server: too dear for every NOTIFY of a busy stream). A relay starting or
 * stopping is seen within it, or at once while a takeover is waiting.
 */
const MIN_SURVEY_INTERVAL_MS = 250;

/**
 * Publishes the outbox to the canonical topics. Woken by LISTEN/NOTIFY, polling as a fallback
 * (the wake-up loop runs one round at a time); rows are marked published only after Kafka
 * acknowledged them with acks=all, so a crash or a broker outage delays events but never loses
 * them. A crash between the acknowledgment and the mark republishes that batch: consumers dedupe
 * on the CloudEvent id.
 *
 * The outbox is split into OUTBOX_SHARDS shards by record; each round first settles which shards
 * this relay leases (planShardLeases: the running relays split them evenly, and take a stopped
 * relay's), then drains, side by side and each in order, those of its shards that are due
 * (DueShards: the shards the writers' NOTIFYs named, every shard at least once per poll interval).
 */
@Injectable()
export class OutboxRelay extends LoopWorker {
  readonly name = 'relay';
  private readonly errors;
  private readonly publisher: EventPublisher;
  private readonly signer: ProvenanceSigner;
  private readonly lease: OutboxLease;
  private readonly drains: OutboxDrain[];
  private readonly wakeup: NotificationListener;
  private readonly due: DueShards;
  /** When the leases were last surveyed (performance.now()), and whether shards were then waiting for a holder to let go. */
  private surveyed = { at: Number.NEGATIVE_INFINITY, waiting: false };

  constructor(
    @Inject(KAFKA) private readonly kafka: Kafka,
    private readonly outbox: OutboxReader,
    @Inject(RelayConfig) private readonly config: RelayConfig,
    metrics: HubMetrics,
  ) {
    super({
      pollIntervalMs: config.RELAY_POLL_INTERVAL_MS,
      backoff: new Backoff({ initialMs: 500, maxMs: 10_000 }),
      failureMessage: 'publishing the outbox failed; will retry',
      downOnFailure: true,
    });
    // The shards' batches waiting while one goes out are sent together, as one request: the
    // producer keeps one request in flight, and each key's messages stay in their shard's order.
    this.publisher = new EventPublisher(kafka, {
      maxMergedPublishes: Math.max(1, Math.floor(MAX_MESSAGES_PER_SEND / config.RELAY_BATCH_SIZE)),
    });
    this.signer = new ProvenanceSigner(ProvenanceKey.fromBase64(config.HUB_EVENT_SIGNING_KEY));
    this.lease = new OutboxLease(config.DATABASE_URL);
    const meters = relayMeters(metrics);
    this.drains = Array.from(
      { length: config.OUTBOX_SHARDS },
      (_, shard) =>
        new OutboxDrain({
          shard,
          outbox,
          lease: this.lease,
          send: async (messages) => {
            await this.publisher.publish(messages);
          },
          signer: this.signer,
          batchSize: config.RELAY_BATCH_SIZE,
          maxBatches: MAX_BATCHES_PER_ROUND,
          meters,
        }),
    );
    this.errors = metrics.counter('hub_relay_publish_errors_total', 'Failed publish attempts');
    this.due = new DueShards(config.RELAY_POLL_INTERVAL_MS);
    this.wakeup = new NotificationListener(
      config.DATABASE_URL,
      OUTBOX_CHANNEL,
      (payload) => {
        this.due.mark(shardsWritten(payload));
        this.loop.wake();
      },
      (error) => this.logger.warn({ msg: 'outbox LISTEN connection lost; reconnecting', err: error.message }),
    );
  }

  override async onApplicationBootstrap(): Promise<void> {
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
    await super.onApplicationBootstrap();
  }

  override async onApplicationShutdown(): Promise<void> {
    for (const drain of this.drains) drain.halt();
    await super.onApplicationShutdown();
    await this.wakeup.stop();
    await this.lease.close();
    await this.publisher.disconnect();
  }

  /** After an outage the old producer session may be unusable, and the positions unsure. */
  protected override async afterFailure(): Promise<void> {
    this.errors.inc();
    for (const drain of this.drains) drain.forgetPosition();
    this.due.mark(null);
    this.surveyed = { at: Number.NEGATIVE_INFINITY, waiting: false };
    await this.publisher.reset();
  }

  protected override async activity(): Promise<WorkerActivity> {
    const shards = this.config.OUTBOX_SHARDS;
    const backlog = await this.outbox.backlog(shards);
    const held = this.lease.heldShards;
    return {
      detail: `${backlog.pending} pending, oldest ${backlog.oldestSeconds.toFixed(1)} s, ${
        held.length
      } of ${shards} shards held [${held.join(',')}], ${this.wakeup.listening ? 'listening' : 'polling only'}`,
      fault:
        backlog.stranded > 0
          ? `${backlog.stranded} rows in shards beyond OUTBOX_SHARDS=${shards}, which no relay reads`
          : null,
    };
  }

  /** Settles the leases, then drains the due shards held. Throws the first failure once every drain settled. */
  protected override async round(): Promise<RoundOutcome> {
    await this.settleLeases();
    const due = this.due.take(performance.now());
    const shards = this.lease.heldShards.filter((shard) => due === 'all' || due.has(shard));
    const outcomes = await Promise.allSettled(shards.map((shard) => this.drains[shard].drain()));
    const failed = outcomes.find((outcome) => outcome.status === 'rejected');
    if (failed) throw failed.reason;
    const drained = outcomes.flatMap((outcome) => (outcome.status === 'fulfilled' ? [outcome.value] : []));
    // A shard held back is looked at again shortly; one cut short by MAX_BATCHES_PER_ROUND goes on
    // in the next round, right after this one.
    this.due.mark(shards.filter((_, n) => drained[n].heldBack || drained[n].more));
    if (drained.some((outcome) => outcome.more)) this.loop.wake();
    return {
      progressed: drained.some((outcome) => outcome.progressed),
      heldBack: this.surveyed.waiting || drained.some((outcome) => outcome.heldBack),
    };
  }

  /**
   * Takes and gives up shards as the plan says (only here, between drains: a shard given up has no
   * batch in flight), at most every MIN_SURVEY_INTERVAL_MS, or at once while shards wait for a holder.
   */
  private async settleLeases(): Promise<void> {
    const now = performance.now();
    const due = this.surveyed.waiting || this.lease.heldShards.length === 0;
    if (!due && now - this.surveyed.at < MIN_SURVEY_INTERVAL_MS) return;
    const plan = planShardLeases(this.config.OUTBOX_SHARDS, await this.lease.survey());
    this.surveyed = { at: now, waiting: plan.waiting };
    for (const shard of plan.release) await this.lease.release(shard);
    for (const shard of plan.acquire) {
      // A shard newly held is read from its first row not marked: another relay may have published it meanwhile.
      this.drains[shard].forgetPosition();
      await this.lease.acquire(shard);
      this.due.mark([shard]);
    }
  }
}
