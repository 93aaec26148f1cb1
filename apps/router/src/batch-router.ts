import type { EachBatchPayload } from 'kafkajs';
import { eventFactsOf } from '@hub/matching';
import type { EventPublisher, OutgoingMessage } from '@hub/messaging';
import type { AuditTrail, FeedStore } from '@hub/persistence';
import type { HubMetrics } from '@hub/platform';
import type { CanonicalEventIntake } from './canonical-event-intake';
import { feedMatches, followedRecords } from './feed-matches';
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
 * republishing it on its regional streams, then audits the publications and refusals. Offsets are
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

  constructor(private readonly parts: BatchRouterParts) {
    this.routed = parts.metrics.counter('hub_router_events_total', 'Events routed', ['type']);
    this.matched = parts.metrics.counter('hub_router_matches_total', 'Feed entries appended (new matches)');
  }

  async route(payload: EachBatchPayload): Promise<void> {
    const { batch } = payload;
    if (batch.messages.length === 0 || !payload.isRunning() || payload.isStale()) return;
    const { intake, directory, feeds, trail } = this.parts;
    const { events, deadLetters, refusals } = intake.take(batch, batch.messages);
    const facts = events.map((event) => eventFactsOf(event.data));
    const regional = regionalPublications(events, facts);
    for (const event of events) this.routed.inc({ type: event.type });
    // The publications go out while the matches are written: neither waits for the other.
    const published = this.publish([...deadLetters, ...regional.messages]);
    // Reading the subscriptions and writing the matches is one step that a replay never splits.
    const appended = await feeds
      .appendRouted(async (manager) => {
        await directory.refresh(manager);
        const prior = await feeds.priorRecipients(followedRecords(events), manager);
        return feedMatches(events, facts, prior, directory);
      })
      .catch(async (error: unknown) => {
        // Not left running behind the failed batch: its retry starts once this one has settled.
        await published.catch(() => undefined);
        throw error;
      });
    this.matched.inc(appended);
    await published;
    // Only what the broker acknowledged is audited.
    await trail.append([...refusals, ...regional.entries]);
    payload.resolveOffset(batch.messages[batch.messages.length - 1].offset);
    await payload.commitOffsetsIfNecessary();
    await payload.heartbeat();
  }

  /** Publishes a batch's messages; the promise is marked handled, its failure reaches whoever awaits it. */
  private publish(messages: OutgoingMessage[]): Promise<unknown> {
    if (messages.length === 0) return Promise.resolve();
    const published = this.parts.publisher.publish(messages);
    published.catch(() => undefined);
    return published;
  }
}
