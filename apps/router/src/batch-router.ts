import type { EachBatchPayload } from 'kafkajs';
import type { HubCloudEvent, PublishedRecord } from '@hub/contracts';
import { type EventFacts, eventFactsOf } from '@hub/matching';
import type { EventPublisher, OutgoingMessage } from '@hub/messaging';
import { appendAudit, type AuditTrail, type FeedStore } from '@hub/persistence';
import type { HubMetrics } from '@hub/platform';
import type { CanonicalEventIntake } from './canonical-event-intake';
import { FOLLOWS_RECORD, feedMatches, followedRecords } from './feed-matches';
import { regionalPublications } from './regional-publications';
import type { SubscriptionDirectory } from './subscription-directory';

export interface BatchRouterParts {
  intake: CanonicalEventIntake;
  directory: SubscriptionDirectory;
  feeds: FeedStore;
  trail: AuditTrail;
  publisher: EventPublisher;
  metrics: HubMetrics;
}

/**
 * The router's domain step for one batch of a canonical partition: admits its messages (the
 * refused ones set aside), appends each event to the feed of every subscription it matches while
 * republishing it on its regional streams, and audits the publications and refusals. Offsets are
 * committed only after all of it, so a crash repeats work but loses none; feed entries are unique
 * per (subscription, event) and audit entries per dedupe key, so a repeat writes nothing twice.
 *
 * A regional publication is audited once the broker has acknowledged it and before the offsets
 * are committed: an entry never claims a publication that did not happen (the topic itself may
 * carry an event twice after a repeat, as any at-least-once delivery; consumers dedupe on its id).
 */
export class BatchRouter {
  private readonly routed;
  private readonly matched;
  private readonly batchSeconds;
  private readonly waitSeconds;

  constructor(private readonly parts: BatchRouterParts) {
    this.routed = parts.metrics.counter('hub_router_events_total', 'Events routed', ['type']);
    this.matched = parts.metrics.counter('hub_router_matches_total', 'Feed entries appended (new matches)');
    this.batchSeconds = parts.metrics.histogram(
      'hub_router_batch_seconds',
      'Time to route one batch, from its start to its offsets resolved',
      [0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 5],
    );
    // What the next fetch waits for, and what an event waits behind: the routing's own pace.
    this.waitSeconds = parts.metrics.histogram(
      'hub_router_event_wait_seconds',
      "From the relay's send (the canonical message's timestamp) to the start of the batch routing it",
      [0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 5],
    );
  }

  async route(payload: EachBatchPayload): Promise<void> {
    const { batch } = payload;
    if (batch.messages.length === 0 || !payload.isRunning() || payload.isStale()) return;
    const started = Date.now();
    for (const message of batch.messages)
      this.waitSeconds.observe(Math.max(0, started - Number(message.timestamp)) / 1000);
    const { intake, directory, feeds, trail } = this.parts;
    const { events, deadLetters, refusals } = intake.take(batch, batch.messages);
    const facts = events.map((event) => eventFactsOf(event.data));
    const regional = regionalPublications(events, facts, await previousFacts(feeds, events, facts));
    for (const event of events) this.routed.inc({ type: event.type });
    // The publications go out while the matches are written: neither waits for the other.
    const publication = startPublication(this.parts.publisher, [...deadLetters, ...regional.messages]);
    // Only what the broker acknowledged is audited: with the matches when the acknowledgment came
    // first (one commit fewer), after them otherwise.
    const audit = [...refusals, ...regional.entries];
    let audited = false;
    const appended = await feeds
      .appendRouted(
        // Reading the subscriptions and writing the matches is one step that a replay never splits.
        async (manager) => {
          await directory.refresh(manager);
          const prior = await feeds.priorRecipients(followedRecords(events), manager);
          return feedMatches(events, facts, prior, directory);
        },
        async (manager) => {
          if (!publication.acknowledged()) return;
          await appendAudit(manager, audit);
          audited = true;
        },
      )
      .catch(async (error: unknown) => {
        // Not left running behind the failed batch: its retry starts once this one has settled.
        await publication.done.catch(() => undefined);
        throw error;
      });
    this.matched.inc(appended);
    await publication.done;
    if (!audited) await trail.append(audit);
    payload.resolveOffset(batch.messages[batch.messages.length - 1].offset);
    this.batchSeconds.observe((Date.now() - started) / 1000);
    await payload.commitOffsetsIfNecessary();
    await payload.heartbeat();
  }
}

/**
 * The facts of the version before each revision or withdrawal of the batch (by event id): from the
 * batch when it holds that version, else from the record's history. Only what they lost is recalled.
 */
async function previousFacts(
  feeds: FeedStore,
  events: readonly HubCloudEvent<PublishedRecord>[],
  facts: readonly EventFacts[],
): Promise<Map<string, EventFacts>> {
  const inBatch = new Map<string, EventFacts>();
  events.forEach((event, index) => inBatch.set(`${event.subject}:${event.data.version}`, facts[index]));
  const followed = events.filter((event) => FOLLOWS_RECORD.test(event.type) && event.data.version > 1);
  const missing = followed.filter((event) => !inBatch.has(`${event.subject}:${event.data.version - 1}`));
  const stored = await feeds.recordVersions(
    missing.map((event) => ({ recordId: event.subject, version: event.data.version - 1 })),
  );
  for (const record of stored) inBatch.set(`${record.id}:${record.version}`, eventFactsOf(record));
  const previous = new Map<string, EventFacts>();
  for (const event of followed) {
    const before = inBatch.get(`${event.subject}:${event.data.version - 1}`);
    if (before) previous.set(event.id, before);
  }
  return previous;
}

/** A batch's messages, sent at once: whether the broker has acknowledged them yet, and the outcome. */
function startPublication(
  publisher: EventPublisher,
  messages: readonly OutgoingMessage[],
): { done: Promise<void>; acknowledged: () => boolean } {
  let acknowledged = messages.length === 0;
  const done =
    messages.length === 0
      ? Promise.resolve()
      : publisher.publish(messages).then(() => {
          acknowledged = true;
        });
  // Awaited later, or after a failed append: its failure is never left unhandled meanwhile.
  done.catch(() => undefined);
  return { done, acknowledged: () => acknowledged };
}
